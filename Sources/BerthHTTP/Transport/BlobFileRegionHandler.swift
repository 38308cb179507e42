import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The pipeline half of ``BlobFileRegions``: stamps requests, and turns marked responses into a
/// `FileRegion` written to the HTTP/1.1 encoder, so the kernel copies the blob file to the socket.
///
/// It sits after Hummingbird's `HTTP1ToHTTPServerCodec` (where `additionalChannelHandlers` go),
/// which carries `ByteBuffer` bodies only; the region is therefore written through the codec's
/// own context, which delivers it to the `HTTPResponseEncoder` just below, between the head and
/// the end that pass through the codec as usual. All of this happens on the channel's event loop,
/// so the order head → region → end is the order on the wire.
///
/// If the blob file has vanished (garbage collection between the route and this handler) the
/// response becomes `404 BLOB_UNKNOWN`; if its length changed (a damaged store), `500`. Both are
/// decided before any byte of the head is written. Without an HTTP/1.1 codec in the pipeline
/// (an HTTP/2 stream) the handler stamps nothing, and routes copy as usual.
///
/// A region is one write, so the response's end passes the handlers above long before the last
/// byte leaves; the closes they then ask for wait in a ``DownloadCloseGate`` until the download
/// is done (or the client reads too slowly).
public final class BlobFileRegionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = HTTPRequestPart
    public typealias InboundOut = HTTPRequestPart
    public typealias OutboundIn = HTTPResponsePart
    public typealias OutboundOut = HTTPResponsePart

    private let secret: String
    /// The codec's context: writes made through it skip the codec and reach the HTTP/1 encoder.
    private var encoderSide: ChannelHandlerContext?
    /// The open blob of the response being written, sent when its end arrives.
    private var pending: (handle: NIOFileHandle, region: FileRegion)?

    private let gate: DownloadCloseGate

    init(secret: String, idleGrace: TimeAmount, minimumRate: Int64) {
        self.secret = secret
        gate = DownloadCloseGate(idleGrace: idleGrace, minimumRate: minimumRate)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        encoderSide = try? context.pipeline.syncOperations.context(handlerType: HTTP1ToHTTPServerCodec.self)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        encoderSide = nil
        discardPending()
        gate.removed()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var request) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        gate.requestArrived()
        // A client's own value of the header is never trusted, whatever it says.
        request.headerFields[.berthFileRegion] = nil
        if encoderSide != nil { request.headerFields[.berthFileRegion] = secret }
        context.fireChannelRead(wrapInboundOut(.head(request)))
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response):
            guard let marker = response.headerFields[.berthFileRegion] else {
                context.write(data, promise: promise)
                return
            }
            response.headerFields[.berthFileRegion] = nil
            discardPending()
            switch open(marker) {
            case .success(let opened):
                pending = opened
                context.write(wrapOutboundOut(.head(response)), promise: promise)
            case .failure(let failure):
                let body = ByteBuffer(string: OCIError.body(code: failure.code, message: failure.message))
                var head = HTTPResponse(status: failure.status)
                head.headerFields[.contentType] = "application/json"
                head.headerFields[.contentLength] = String(body.readableBytes)
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                context.write(wrapOutboundOut(.body(body)), promise: nil)
            }
        case .body:
            context.write(data, promise: promise)
        case .end:
            if let (handle, region) = pending, let encoderSide {
                pending = nil
                gate.regionStarted()
                let sent = context.eventLoop.makePromise(of: Void.self)
                sent.futureResult.assumeIsolated().whenComplete { [gate] _ in
                    try? handle.close()
                    gate.regionFinished(context: context)
                }
                encoderSide.write(NIOAny(HTTPServerResponsePart.body(.fileRegion(region))), promise: sent)
            }
            context.write(data, promise: promise)
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        gate.close(context: context, mode: mode, promise: promise)
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { gate.quiesce(context: context) }
        context.fireUserInboundEventTriggered(event)
    }

    private struct Failure: Error {
        let status: HTTPResponse.Status
        let code: String
        let message: String
    }

    /// Opens the file the marker names and checks its length against the route's.
    private func open(_ marker: String) -> Result<(handle: NIOFileHandle, region: FileRegion), Failure> {
        let parts = marker.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, let offset = Int(parts[0]), let length = Int(parts[1]), let size = Int64(parts[2]) else {
            return .failure(Failure(status: .internalServerError, code: "UNKNOWN", message: "internal error"))
        }
        let path = String(parts[3])
        // An open(2) of a file whose directory entry is cached costs microseconds, as in nginx.
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(Failure(status: .notFound, code: "BLOB_UNKNOWN", message: "blob unknown to registry"))
        }
        var status = stat()
        guard fstat(fd, &status) == 0, Int64(status.st_size) == size else {
            Foundation.close(fd)
            return .failure(Failure(status: .internalServerError, code: "UNKNOWN", message: "internal error"))
        }
        let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: fd)
        return .success((handle, FileRegion(fileHandle: handle, readerIndex: offset, endIndex: offset + length)))
    }

    private func discardPending() {
        if let (handle, _) = pending { try? handle.close() }
        pending = nil
    }
}

@available(*, unavailable)
extension BlobFileRegionHandler: Sendable {}
