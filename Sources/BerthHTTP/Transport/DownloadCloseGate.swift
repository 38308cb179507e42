import NIOCore

/// Holds the closes that other handlers ask for while zero-copy downloads are being sent, for
/// ``BlobFileRegionHandler``.
///
/// Why: a `FileRegion` is one write, so a response's end passes the handlers above long before
/// its last byte leaves. Hummingbird's idle timeout and ``HeaderDeadlineHandler`` then take the
/// connection for idle and close it mid-download. So:
///
/// 1. A close asked for while any region is in flight is held until every region is sent.
/// 2. While closes are held, progress is measured (the channel's buffered bytes, in windows of
///    the idle grace, five seconds to a minute): a client reading slower than `minimumRate` is
///    not waited for, and the held closes go at once.
/// 3. When the last region is sent, the held closes that were only idle handlers' (the whole
///    connection, no promise) wait `idleGrace` more, for the client's next request, which makes
///    them void (the handlers time that request themselves); the others (a half-close after
///    `Connection: close`, one a caller waits on) and all of them during shutdown go at once.
/// 4. Every held promise is completed: by the close it asked for, or failed when the handler
///    goes away first.
///
/// Event-loop confined, like the handler that owns it.
final class DownloadCloseGate {
    private struct HeldClose {
        let mode: CloseMode
        let promise: EventLoopPromise<Void>?
        /// An idle handler's close: the whole connection, nobody waiting on it.
        var isIdleClose: Bool { mode == .all && promise == nil }
    }

    private let idleGrace: TimeAmount
    private let minimumRate: Int64
    private let checkInterval: TimeAmount
    private var regionsInFlight = 0
    private var held: [HeldClose] = []
    private var progressCheck: Scheduled<Void>?
    private var lastBuffered: Int?
    /// Idle closes waiting out `idleGrace` after the last region.
    private var waitingForRequest: (closes: [HeldClose], timer: Scheduled<Void>)?
    private var quiescing = false
    /// The handler left the pipeline: the context is no longer to be used.
    private var isRemoved = false

    init(idleGrace: TimeAmount, minimumRate: Int64) {
        self.idleGrace = idleGrace
        self.minimumRate = max(1, minimumRate)
        // Windows of five seconds to a minute: a busy event loop or a client's scheduler can
        // pause a healthy download for a moment, which must not read as a stall, and a client
        // that stopped reading is found within a minute whatever the idle timeout.
        checkInterval = min(max(idleGrace, .seconds(5)), .seconds(60))
    }

    func regionStarted() { regionsInFlight += 1 }

    func regionFinished(context: ChannelHandlerContext) {
        regionsInFlight -= 1
        guard regionsInFlight == 0, !isRemoved else { return }
        progressCheck?.cancel()
        progressCheck = nil
        let closes = held
        held = []
        var idle: [HeldClose] = []
        for close in closes {
            if close.isIdleClose, !quiescing, context.channel.isActive { idle.append(close) } else { forward(close, context) }
        }
        guard !idle.isEmpty else { return }
        if var waiting = waitingForRequest {
            waiting.closes += idle
            waitingForRequest = waiting
        } else {
            let timer = context.eventLoop.assumeIsolated().scheduleTask(in: idleGrace) { [self] in
                releaseWaiting(context)
            }
            waitingForRequest = (idle, timer)
        }
    }

    /// A close from a handler above or from the channel.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        let close = HeldClose(mode: mode, promise: promise)
        if regionsInFlight > 0 {
            held.append(close)
            startProgressCheck(context)
            return
        }
        // A real close while idle closes wait for a request: they go with it.
        if !close.isIdleClose { releaseWaiting(context) }
        forward(close, context)
    }

    /// A request head arrived: the connection is in use, idle closes waiting for one are void.
    func requestArrived() {
        guard let waiting = waitingForRequest else { return }
        waiting.timer.cancel()
        waitingForRequest = nil
    }

    /// The server is shutting down: nothing waits for a next request any more.
    func quiesce(context: ChannelHandlerContext) {
        quiescing = true
        releaseWaiting(context)
    }

    /// The handler is leaving the pipeline (the channel is closing): no close is carried out
    /// any more, and every promise held is failed.
    func removed() {
        isRemoved = true
        progressCheck?.cancel()
        progressCheck = nil
        waitingForRequest?.timer.cancel()
        for close in held + (waitingForRequest?.closes ?? []) { close.promise?.fail(ChannelError.ioOnClosedChannel) }
        held = []
        waitingForRequest = nil
    }

    private func forward(_ close: HeldClose, _ context: ChannelHandlerContext) {
        context.close(mode: close.mode, promise: close.promise)
    }

    private func releaseWaiting(_ context: ChannelHandlerContext) {
        guard let waiting = waitingForRequest else { return }
        waiting.timer.cancel()
        waitingForRequest = nil
        for close in waiting.closes { forward(close, context) }
    }

    private func startProgressCheck(_ context: ChannelHandlerContext) {
        guard progressCheck == nil else { return }
        lastBuffered = buffered(context)
        progressCheck = context.eventLoop.assumeIsolated().scheduleTask(in: checkInterval) { [self] in
            checkProgress(context)
        }
    }

    /// Whether the client read at least `minimumRate` since the last check; if not, the held
    /// closes go now (the download is cut: the client is too slow, or gone without a word).
    private func checkProgress(_ context: ChannelHandlerContext) {
        progressCheck = nil
        guard regionsInFlight > 0, !held.isEmpty else { return }
        let now = buffered(context)
        if let now, let last = lastBuffered, now <= last {
            let expected = Double(minimumRate) * Double(checkInterval.nanoseconds) / 1e9
            if Double(last - now) < expected && now > 0 {
                let closes = held
                held = []
                for close in closes { forward(close, context) }
                return
            }
        }
        // More buffered than before (another region queued) or no reading: measure from here.
        lastBuffered = now
        startProgressCheck(context)
    }

    /// Bytes written to the channel but not yet to the socket (nil if the channel cannot tell).
    private func buffered(_ context: ChannelHandlerContext) -> Int? {
        try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)
    }
}
