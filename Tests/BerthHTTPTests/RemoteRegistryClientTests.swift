import AsyncHTTPClient
import BerthEngine
import BerthModel
@testable import BerthRemote
import BerthTestSupport
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

/// Replication's HTTP client against a registry server on loopback: a chunked upload cut half
/// way (by a proxy that drops the connection) resumes from where the server stands, and the
/// blob arrives whole; the WWW-Authenticate challenges it answers.
@Suite struct RemoteRegistryClientTests {
    /// A TCP proxy in front of `port` that drops the first connection once it has carried
    /// `cutAfter` bytes towards the server, as a network cut half-way through a transfer does.
    /// `cuts` reads how many connections it dropped.
    final class CuttingProxy: @unchecked Sendable {
        let port: Int
        let process: ChildProcess
        let record: String

        init(upstream: Int, cutAfter: Int) throws {
            port = try LoopbackPort.free()
            record = NSTemporaryDirectory() + "berth-proxy-\(UUID().uuidString)"
            let script = """
            import socket, threading
            cut = [False]
            def pipe(src, dst, counted):
                seen = 0
                try:
                    while True:
                        data = src.recv(65536)
                        if not data: break
                        seen += len(data)
                        if counted and not cut[0] and seen > \(cutAfter):
                            cut[0] = True
                            open("\(record)", "w").write("1")
                            break
                        dst.sendall(data)
                except OSError:
                    pass
                for s in (src, dst):
                    try: s.shutdown(socket.SHUT_RDWR)
                    except OSError: pass
                    s.close()
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", \(port)))
            listener.listen(16)
            while True:
                client, _ = listener.accept()
                server = socket.create_connection(("127.0.0.1", \(upstream)))
                threading.Thread(target=pipe, args=(client, server, True), daemon=True).start()
                threading.Thread(target=pipe, args=(server, client, False), daemon=True).start()
            """
            process = ChildProcess("python3", ["-c", script])
            try process.run()
        }

        var cuts: Int { FileManager.default.fileExists(atPath: record) ? 1 : 0 }

        func waitUntilListening() async throws {
            for _ in 0..<600 where !LoopbackPort.isListening(port) { try await Task.sleep(for: .milliseconds(50)) }
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: record)
        }
    }

    /// `bytes` as the stream a source gives from `offset`, in 256 KiB buffers.
    static func stream(_ bytes: [UInt8], from offset: Int64) -> ReplicatedBytes {
        AsyncThrowingStream { continuation in
            var at = Int(offset)
            while at < bytes.count {
                let end = min(bytes.count, at + (256 << 10))
                continuation.yield(ByteBuffer(bytes: bytes[at..<end]))
                at = end
            }
            continuation.finish()
        }
    }

    @Test func aChunkedUploadCutHalfWayResumesAndTheBlobArrivesWhole() async throws {
        try await withServer { client, registry in
            let port = try #require(client.port)
            let proxy = try CuttingProxy(upstream: port, cutAfter: 3 << 20)
            defer { proxy.stop() }
            try await proxy.waitUntilListening()
            let http = HTTPReplicationTransport()
            let endpoint = ReplicationEndpoint(name: "peer", url: "http://127.0.0.1:\(proxy.port)", insecure: true)
            let remote = try RemoteRegistryClient(endpoint: endpoint, credential: nil, client: http.client, chunkSize: 1 << 20)
            let content = bytes(5 << 20, seed: 7)
            let digest = sha256(content)
            let app = try RepositoryName(parsing: "team/app")
            do {
                try await remote.putBlob(digest, size: Int64(content.count), in: app) { offset in Self.stream(content, from: offset) }
            } catch {
                await http.shutdown()
                throw error
            }
            await http.shutdown()
            #expect(proxy.cuts == 1)
            let link = try #require(try registry.index.blobLink(digest, in: app))
            #expect(link.size == Int64(content.count))
        }
    }

    @Test func aBearerChallengeGivesRealmServiceAndScope() throws {
        let challenge = try #require(RegistryChallenge(header: #"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull,push""#))
        #expect(challenge.scheme == "bearer")
        #expect(challenge.parameters["realm"] == "https://auth.example/token")
        #expect(challenge.parameters["service"] == "registry.example")
        #expect(challenge.parameters["scope"] == "repository:team/app:pull,push")
    }

    @Test func aBasicChallengeIsRecognised() throws {
        let challenge = try #require(RegistryChallenge(header: #"Basic realm="berth""#))
        #expect(challenge.scheme == "basic")
    }
}
