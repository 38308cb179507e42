import BerthEngine
import BerthHTTP
import BerthModel
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import NIOCore
import BerthTestSupport
import Testing

/// Zero-copy downloads that outlast the connection's idle timeout: the response's end passes the
/// idle handlers long before the last byte leaves, and their closes must wait for the download.
@Suite(.serialized) struct SlowDownloadTests {
    /// A server whose idle timeout and header deadline are one second, with the zero-copy handler.
    private func withImpatientServer(minimumRate: Int64,
                                     _ body: @Sendable (FileRegistry, Int) async throws -> Void) async throws {
        let root = NSTemporaryDirectory() + "berth-slow-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = try await FileRegistry.open(RegistryConfiguration(root: root, ioThreads: 2, mapSize: 1 << 30))
        let regions = BlobFileRegions()
        let handlers: @Sendable () -> [any RemovableChannelHandler] = {
            [HeaderDeadlineHandler(deadline: .seconds(1)), regions.channelHandler(idleGrace: .seconds(1), minimumRate: minimumRate)]
        }
        do {
            let app = Application(router: RegistryServer.router(registry: registry, options: RegistryRoutesOptions(fileRegions: regions)),
                                  server: .http1(configuration: HTTP1Channel.Configuration(additionalChannelHandlers: handlers(),
                                                                                           idleTimeout: .seconds(1))),
                                  configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in try await body(registry, try #require(client.port)) }
            await registry.close()
        } catch {
            await registry.close()
            throw error
        }
    }

    /// curl downloading `url` at `bytesPerSecond` into a file: its exit status and the bytes it got.
    private func curlDownload(_ url: String, bytesPerSecond: Int) async throws -> (status: Int32, bytes: [UInt8]) {
        try await offPool { try Self.curlDownloadBlocking(url, bytesPerSecond: bytesPerSecond) }
    }

    private static func curlDownloadBlocking(_ url: String, bytesPerSecond: Int) throws -> (status: Int32, bytes: [UInt8]) {
        let output = NSTemporaryDirectory() + "berth-slow-download-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let curl = try ChildProcess.run("curl", ["-s", "-o", output, "--limit-rate", String(bytesPerSecond), "--max-time", "60", url])
        return (curl.status, Array(FileManager.default.contents(atPath: output) ?? Data()))
    }

    @Test func aDownloadLongerThanTheIdleTimeoutArrivesWhole() async throws {
        // Larger than what loopback's socket buffers hold (a few MiB), so the file is still
        // being sent when the idle handlers fire. Pushed through the engine: the server's
        // one-second deadlines are for the download, not for a loaded test machine's upload.
        let content = bytes(48 << 20, seed: 21)
        try await withImpatientServer(minimumRate: 16 * 1024) { registry, port in
            let digest = sha256(content)
            _ = try await registry.pushBlob(to: try RepositoryName(parsing: "slow/blob"), digest: digest, bytes: content)
            // About six seconds at 8 MiB/s: several idle timeouts pass while the bytes flow.
            let (status, received) = try await curlDownload("http://127.0.0.1:\(port)/v2/slow/blob/blobs/\(digest)", bytesPerSecond: 8 << 20)
            #expect(status == 0)
            #expect(received.count == content.count)
            #expect(sha256(received) == digest)
        }
    }

    @Test func aClientSlowerThanTheMinimumRateIsCutOff() async throws {
        // At 64 MiB/s a five-second window must see 320 MiB go; this client reads 4 MiB/s, and
        // would need twelve seconds for the 48 MiB.
        let content = bytes(48 << 20, seed: 22)
        try await withImpatientServer(minimumRate: 64 << 20) { registry, port in
            let digest = sha256(content)
            _ = try await registry.pushBlob(to: try RepositoryName(parsing: "slow/stalled"), digest: digest, bytes: content)
            let (status, received) = try await curlDownload("http://127.0.0.1:\(port)/v2/slow/stalled/blobs/\(digest)", bytesPerSecond: 4 << 20)
            #expect(status == 18)   // CURLE_PARTIAL_FILE: the connection closed before Content-Length
            #expect(received.count < content.count)
        }
    }
}
