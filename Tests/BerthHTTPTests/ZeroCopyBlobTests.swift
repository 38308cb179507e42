import BerthEngine
import BerthHTTP
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import NIOCore
import NIOPosix
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Testing

/// Blob downloads through `BlobFileRegions`: the body leaves as a `FileRegion` (sendfile), the
/// private marker never leaks, and a client cannot forge its way into the zero-copy path.
@Suite struct ZeroCopyBlobTests {
    /// A standalone server whose plaintext pipeline has the zero-copy handler (`installHandler`)
    /// or only the route option.
    private func withZeroCopyServer(installHandler: Bool,
                                    _ body: @Sendable (any TestClientProtocol, FileRegistry) async throws -> Void) async throws {
        let root = NSTemporaryDirectory() + "berth-zero-copy-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = try await FileRegistry.open(RegistryConfiguration(root: root, ioThreads: 2, mapSize: 1 << 30))
        let regions = BlobFileRegions()
        let handlers: @Sendable () -> [any RemovableChannelHandler] = { installHandler ? [regions.channelHandler()] : [] }
        do {
            let app = Application(router: RegistryServer.router(registry: registry, options: RegistryRoutesOptions(fileRegions: regions)),
                                  server: .http1(configuration: HTTP1Channel.Configuration(additionalChannelHandlers: handlers())),
                                  configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in try await body(client, registry) }
            await registry.close()
        } catch {
            await registry.close()
            throw error
        }
    }

    @Test func aWholeBlobComesBackByteForByte() async throws {
        try await withZeroCopyServer(installHandler: true) { client, _ in
            let content = bytes(3 << 20, seed: 7)
            let digest = try await pushBlob(client, "zero/copy", content)
            let response = try await client.execute(uri: "/v2/zero/copy/blobs/\(digest)", method: .get)
            #expect(response.status == .ok)
            #expect(Array(buffer: response.body) == content)
            #expect(response.headers[.contentLength] == String(content.count))
            #expect(response.header("X-Berth-File-Region") == nil)
        }
    }

    @Test func aRangeIsSentFromItsOffset() async throws {
        try await withZeroCopyServer(installHandler: true) { client, _ in
            let content = bytes(100_000, seed: 3)
            let digest = try await pushBlob(client, "zero/range", content)
            let response = try await client.execute(uri: "/v2/zero/range/blobs/\(digest)", method: .get, headers: [.range: "bytes=1000-1999"])
            #expect(response.status == .partialContent)
            #expect(Array(buffer: response.body) == Array(content[1000...1999]))
            #expect(response.headers[.contentRange] == "bytes 1000-1999/100000")
        }
    }

    @Test func aForgedMarkerFromAClientIsIgnored() async throws {
        try await withZeroCopyServer(installHandler: true) { client, _ in
            let content = bytes(10_000, seed: 5)
            let digest = try await pushBlob(client, "zero/forged", content)
            let response = try await client.execute(uri: "/v2/zero/forged/blobs/\(digest)", method: .get,
                                                    headers: .named(["X-Berth-File-Region": "0 100 100 /etc/passwd"]))
            #expect(response.status == .ok)
            #expect(Array(buffer: response.body) == content)
            #expect(response.header("X-Berth-File-Region") == nil)
        }
    }

    @Test func withoutTheHandlerTheRoutesCopyAndNeverEmitTheMarker() async throws {
        try await withZeroCopyServer(installHandler: false) { client, _ in
            let content = bytes(300_000, seed: 9)
            let digest = try await pushBlob(client, "zero/plain", content)
            let response = try await client.execute(uri: "/v2/zero/plain/blobs/\(digest)", method: .get,
                                                    headers: .named(["X-Berth-File-Region": "guess"]))
            #expect(response.status == .ok)
            #expect(Array(buffer: response.body) == content)
            #expect(response.header("X-Berth-File-Region") == nil)
        }
    }

    // The pipeline itself, on an embedded channel laid out as Hummingbird's HTTP/1 channel.

    private func pipeline(_ regions: BlobFileRegions) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false, withErrorHandling: false)
        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
        try channel.pipeline.syncOperations.addHandler(regions.channelHandler())
        return channel
    }

    private func stampedRequest(_ channel: EmbeddedChannel, forged: String) throws -> HTTPRequest {
        try channel.writeInbound(ByteBuffer(string: "GET /v2/a/blobs/x HTTP/1.1\r\nHost: a\r\nX-Berth-File-Region: \(forged)\r\n\r\n"))
        guard case .head(let head) = try channel.readInbound(as: HTTPRequestPart.self) else {
            Issue.record("no request head")
            return HTTPRequest(method: .get, scheme: nil, authority: nil, path: "/")
        }
        return head
    }

    @Test func requestsAreStampedWithTheSecretInsteadOfTheClientsValue() throws {
        let regions = BlobFileRegions()
        let channel = try pipeline(regions)
        defer { _ = try? channel.finish() }
        let stamp = try stampedRequest(channel, forged: "forged").headerFields[HTTPField.Name("X-Berth-File-Region")!]
        #expect(stamp != nil)
        #expect(stamp != "forged")
        let other = try pipeline(BlobFileRegions())
        defer { _ = try? other.finish() }
        #expect(try stampedRequest(other, forged: "forged").headerFields[HTTPField.Name("X-Berth-File-Region")!] != stamp)
    }

    @Test func aMarkedResponseLeavesAsHeadThenAFileRegionOfTheRange() throws {
        let file = NSTemporaryDirectory() + "berth-region-\(UUID().uuidString)"
        try Data(repeating: 7, count: 5000).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let channel = try pipeline(BlobFileRegions())
        defer { _ = try? channel.finish() }
        var head = HTTPResponse(status: .partialContent)
        head.headerFields[.contentLength] = "1000"
        head.headerFields[HTTPField.Name("X-Berth-File-Region")!] = "100 1000 5000 \(file)"
        try channel.writeOutbound(HTTPResponsePart.head(head))
        try channel.writeOutbound(HTTPResponsePart.end(nil))

        guard case .byteBuffer(let headBytes) = try channel.readOutbound(as: IOData.self) else {
            Issue.record("the head did not come first")
            return
        }
        let headText = String(buffer: headBytes)
        #expect(headText.hasPrefix("HTTP/1.1 206"))
        #expect(!headText.lowercased().contains("x-berth-file-region"))
        guard case .fileRegion(let region) = try channel.readOutbound(as: IOData.self) else {
            Issue.record("the body was not a file region")
            return
        }
        #expect(region.readerIndex == 100)
        #expect(region.endIndex == 1100)
    }

    @Test func aBlobFileThatVanishedBeforeTheHeadBecomesBlobUnknown() throws {
        let channel = try pipeline(BlobFileRegions())
        defer { _ = try? channel.finish() }
        var head = HTTPResponse(status: .ok)
        head.headerFields[.contentLength] = "10"
        head.headerFields[HTTPField.Name("X-Berth-File-Region")!] = "0 10 10 /nonexistent/berth/blob"
        try channel.writeOutbound(HTTPResponsePart.head(head))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        var wire = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = part { wire += String(buffer: buffer) }
        }
        #expect(wire.hasPrefix("HTTP/1.1 404"))
        #expect(wire.contains(#""code":"BLOB_UNKNOWN""#))
    }
}

/// `ReceiveBufferHandler`: sets the connection's read size and gets out of the way.
@Suite struct ReceiveBufferHandlerTests {
    @Test func itRaisesTheLargestReadAndLeavesThePipeline() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let seen = group.next().makePromise(of: Bool.self)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReceiveBufferHandler(maximum: 1 << 20))
                    try channel.pipeline.syncOperations.addHandler(ReadSizeProbe(seen))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let client = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port).get()
        let result = try await seen.futureResult.get()
        try await client.close()
        try await server.close()
        #expect(result)
    }
}

/// Reports, once the connection is active, whether its largest read is 1 MiB and the
/// `ReceiveBufferHandler` has left the pipeline.
private final class ReadSizeProbe: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let seen: EventLoopPromise<Bool>

    init(_ seen: EventLoopPromise<Bool>) { self.seen = seen }

    func channelActive(context: ChannelHandlerContext) {
        let removed = (try? context.pipeline.syncOperations.context(handlerType: ReceiveBufferHandler.self)) == nil
        let allocator = try? context.channel.syncOptions?.getOption(ChannelOptions.recvAllocator)
        seen.succeed(removed && (allocator as? AdaptiveRecvByteBufferAllocator)?.maximum == 1 << 20)
        context.fireChannelActive()
    }
}
