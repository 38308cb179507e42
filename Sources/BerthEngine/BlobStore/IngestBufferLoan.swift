/// The buffers one ingest has borrowed from an `IngestBufferPool`, given back together when
/// the ingest ends.
struct IngestBufferLoan {
    let pool: IngestBufferPool
    private var taken: [IngestBuffer] = []
    private var extras: [IngestBuffer] = []

    init(pool: IngestBufferPool) { self.pool = pool }

    /// A buffer the pool always lends (the first two of an ingest).
    mutating func another() -> IngestBuffer {
        let buffer = pool.take()
        taken.append(buffer)
        return buffer
    }

    /// One more: the second is always lent (one filling, one in flight), later ones while
    /// the pool allows; nil when it does not.
    mutating func more() -> IngestBuffer? {
        if taken.count < 2 { return another() }
        guard let buffer = pool.takeExtra() else { return nil }
        extras.append(buffer)
        return buffer
    }

    /// Takes `buffer` out of the loan: its new owner gives it back to the pool itself, with
    /// the returned `extra` flag (nil: not a buffer of this loan).
    mutating func handOver(_ buffer: IngestBuffer) -> Bool? {
        if let position = taken.firstIndex(where: { $0 === buffer }) {
            taken.remove(at: position)
            return false
        }
        if let position = extras.firstIndex(where: { $0 === buffer }) {
            extras.remove(at: position)
            return true
        }
        return nil
    }

    /// Returns every buffer to the pool. Call once no append uses them.
    mutating func giveBack() {
        for buffer in taken { pool.give(buffer, extra: false) }
        for buffer in extras { pool.give(buffer, extra: true) }
        taken = []
        extras = []
    }
}
