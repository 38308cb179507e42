import BerthModel

/// An ingest in progress, with its whole lifecycle: append, status (`offset`), sync, then
/// commit or abort. One request at a time feeds one writer (upload sessions enforce that).
public protocol BlobWriter: AnyObject {
    /// Bytes accepted so far: appended, and handed to the hash.
    var offset: Int64 { get }
    /// Appends `body` in order, hashing it as it arrives. Bytes that arrived before a failure of
    /// the body are kept and counted (an upload keeps every byte it received); after a failed
    /// write nothing more is counted, and the offset stays where the content is right.
    /// - Parameter acknowledgingOnceWritten: count the last bytes once written, before their
    ///   hash is done (upload chunks: a chunk must be durable before its `202`, not hashed);
    ///   `commit` waits for every hash.
    func append<Body: AsyncSequence>(_ body: Body, acknowledgingOnceWritten: Bool) async throws(RegistryError)
    where Body.Element: ContiguousBytesCollection
    /// Makes every byte accepted so far durable (for upload sessions between chunks).
    func sync() throws
    /// Checks the content against `expected` (digest) and `expectedSize`, then makes it durable
    /// under its digest, atomically. On any mismatch nothing is stored and the partial is
    /// removed; on a storage failure too, unless `keepingPartialOnIOError` (upload sessions,
    /// which stay resumable): then the writer is closed and its partial left where it was.
    func commit(expected: Digest, expectedSize: Int64?, keepingPartialOnIOError: Bool) throws -> BlobInfo
    /// Removes the partial without storing anything.
    func abort()
}
