import BerthModel

/// A request body held to the registry's limits as it is read, so that every store's ingest
/// obeys them without knowing them:
/// - the blob may not grow past `maximumSize` (counting `alreadyReceived`, the bytes an upload
///   session holds before this body): the chunk that would pass it fails with
///   `.blobTooLarge` before any of it is handed on;
/// - once `grace` has passed, the body must have arrived at `minimumRate` bytes per second on
///   average since it started, or it fails with `.bodyTooSlow`. Checked after a chunk has
///   been handed on (when the next one is asked for): a cut-off upload keeps what arrived.
struct LimitedBody<Base: AsyncSequence>: AsyncSequence where Base.Element: ContiguousBytesCollection {
    typealias Element = Base.Element

    let base: Base
    let maximumSize: Int64
    let alreadyReceived: Int64
    let minimumRate: Int?
    let grace: Duration

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let maximumSize: Int64
        let minimumRate: Int?
        let grace: Duration
        var received: Int64
        var receivedHere: Int64 = 0
        let started = ContinuousClock.now

        mutating func next() async throws -> Element? {
            if let minimumRate, receivedHere > 0 {
                let elapsed = ContinuousClock.now - started
                if elapsed > grace, Double(receivedHere) < Double(minimumRate) * elapsed.seconds {
                    throw RegistryError.bodyTooSlow(minimum: minimumRate)
                }
            }
            guard let chunk = try await base.next() else { return nil }
            let length = Int64(chunk.withContiguousBytes { $0.count })
            received += length
            receivedHere += length
            if received > maximumSize { throw RegistryError.blobTooLarge(limit: maximumSize) }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), maximumSize: maximumSize, minimumRate: minimumRate, grace: grace,
                      received: alreadyReceived)
    }
}

extension Registry {
    /// `body` held to this registry's limits, for an ingest that holds `alreadyReceived` bytes.
    func limited<Body: AsyncSequence>(_ body: Body, alreadyReceived: Int64) -> LimitedBody<Body> {
        LimitedBody(base: body, maximumSize: configuration.maximumBlobSize, alreadyReceived: alreadyReceived,
                    minimumRate: configuration.minimumBodyRate, grace: configuration.slowBodyGrace)
    }
}
