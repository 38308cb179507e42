import NIOCore
import Synchronization

/// Hands a buffer to another thread so that, once taken, no other reference to it remains
/// here: a closure that captured the buffer itself would keep one, and writing the buffer
/// would then copy its storage instead of reusing it.
final class ByteBufferHandoff: Sendable {
    private let buffer: Mutex<ByteBuffer?>

    /// A handoff of `buffer` (nil: nothing to reuse).
    init(_ buffer: consuming ByteBuffer?) { self.buffer = Mutex(buffer) }

    /// The buffer, once (nil afterwards).
    func take() -> ByteBuffer? { buffer.withLock { $0.take() } }
}
