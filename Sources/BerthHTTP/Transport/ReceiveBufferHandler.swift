import NIOCore

/// Lets a connection read up to `maximum` bytes per read instead of NIO's default 64 KiB, then
/// leaves the pipeline. Blob pushes arrive as large bodies: with 64 KiB reads a 1 GiB push is
/// 16 384 reads, each a hop from the event loop to the task consuming the body; with 1 MiB reads
/// the ingest keeps its hashing core busy instead of waiting for bodies to trickle through.
/// NIO's allocator is adaptive: a connection reads large only while large reads fill up, and
/// shrinks back for small requests, so idle connections do not hold large buffers.
public final class ReceiveBufferHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny

    private let maximum: Int

    /// A handler raising the connection's largest read to `maximum` bytes (a power of two).
    public init(maximum: Int = 1 << 20) { self.maximum = maximum }

    public func handlerAdded(context: ChannelHandlerContext) {
        let allocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: maximum)
        _ = context.channel.setOption(ChannelOptions.recvAllocator, value: allocator)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

@available(*, unavailable)
extension ReceiveBufferHandler: Sendable {}
