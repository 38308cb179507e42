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
/// A region is one write, so the response's end passes the handlers above at once, long before
/// the last byte leaves: Hummingbird's idle timeout and ``HeaderDeadlineHandler`` then see an
/// idle connection and ask to close it while the client is still downloading. Closes asked for
/// while a region is being sent therefore wait: until the region is sent, then for `idleGrace`
/// in which the client may send its next request (none when the server is shutting down). A
/// client that reads slower than `minimumRate` is not waited for past `length / minimumRate`.
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

    private let idleGrace: TimeAmount
    private let minimumRate: Int64
    /// The region being sent, if any, and the closes waiting for it.
    private var sending: Sending?
    /// Closes that waited for a region, now waiting for `idleGrace` or the next request.
    private var afterSending: (closes: [DeferredClose], timer: Scheduled<Void>)?
    /// The server is shutting down: waiting closes go as soon as the region is sent.
    private var quiescing = false

    private struct DeferredClose {
        let mode: CloseMode
        let promise: EventLoopPromise<Void>?
    }

    private struct Sending {
        /// When a client reading at `minimumRate` would have had all of it.
        let allowedUntil: NIODeadline
        var closes: [DeferredClose] = []
        var stallTimer: Scheduled<Void>?
    }

    init(secret: String, idleGrace: TimeAmount, minimumRate: Int64) {
        self.secret = secret
        self.idleGrace = idleGrace
        self.minimumRate = max(1, minimumRate)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        encoderSide = try? context.pipeline.syncOperations.context(handlerType: HTTP1ToHTTPServerCodec.self)
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        encoderSide = nil
        discardPending()
        sending?.stallTimer?.cancel()
        afterSending?.timer.cancel()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var request) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        // A next request: the connection is in use, so closes that waited for it to go idle
        // are void (their handlers time the new request themselves).
        if let (closes, timer) = afterSending {
            timer.cancel()
            afterSending = nil
            for close in closes { close.promise?.fail(ClosingAbandoned()) }
        }
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
                let allowance = TimeAmount.seconds(max(idleGrace.nanoseconds / 1_000_000_000, Int64(region.readableBytes) / minimumRate))
                sending = Sending(allowedUntil: .now() + allowance)
                let sent = context.eventLoop.makePromise(of: Void.self)
                sent.futureResult.assumeIsolated().whenComplete { [self] _ in
                    try? handle.close()
                    regionSent(context: context)
                }
                encoderSide.write(NIOAny(HTTPServerResponsePart.body(.fileRegion(region))), promise: sent)
            }
            context.write(data, promise: promise)
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard var current = sending, NIODeadline.now() < current.allowedUntil else {
            context.close(mode: mode, promise: promise)
            return
        }
        current.closes.append(DeferredClose(mode: mode, promise: promise))
        if current.stallTimer == nil {
            // A client that stops reading is not waited for past its allowance.
            current.stallTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: current.allowedUntil) { [self] in
                guard let stalled = sending else { return }
                sending = nil
                for close in stalled.closes { context.close(mode: close.mode, promise: close.promise) }
            }
        }
        sending = current
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { quiescing = true }
        context.fireUserInboundEventTriggered(event)
    }

    /// The region is sent (or failed, the connection gone): closes that waited for it go now
    /// when the server is shutting down, else after `idleGrace` unless a request arrives.
    private func regionSent(context: ChannelHandlerContext) {
        guard let finished = sending else { return }
        sending = nil
        finished.stallTimer?.cancel()
        guard !finished.closes.isEmpty else { return }
        if quiescing || !context.channel.isActive {
            for close in finished.closes { context.close(mode: close.mode, promise: close.promise) }
            return
        }
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: idleGrace) { [self] in
            guard let (closes, _) = afterSending else { return }
            afterSending = nil
            for close in closes { context.close(mode: close.mode, promise: close.promise) }
        }
        afterSending = (finished.closes, timer)
    }

    /// Why a close that waited for a download was not carried out: the client sent another request.
    struct ClosingAbandoned: Error {}

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
