/// The index's size as it stands (the engine reads it once when it opens; later figures come
/// with each write transaction, `IndexWriteBatch.figures`).
public protocol IndexStatistics: Sendable {
    /// The figures of the latest committed state.
    func figures() throws -> IndexFigures
}
