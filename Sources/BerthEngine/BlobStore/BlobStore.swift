import BerthModel
import Foundation

// The blob store is content addressed and follows containerd's content store lifecycle:
//
//   ingest   – a writer receives bytes in order and hashes them as they arrive;
//   commit   – the writer's digest and size are checked against what the client declared, the
//              bytes are made durable and moved under their digest, atomically;
//   provide  – committed content is read by digest, by byte range, and never changes.
//
// A blob only becomes visible at commit, so a wrong digest or size, a crash or a cancelled
// upload leaves nothing behind under any digest. The index (not the store) decides which
// repository may read which blob; the store knows nothing of repositories.
//
// Small role protocols, composed: the HTTP layer needs a provider, uploads an ingester, GC a
// manager. A second implementation (an S3-compatible store) implements the same four.

/// What the store knows of one committed blob.
public struct BlobInfo: Sendable, Hashable {
    /// The blob's digest (its name).
    public let digest: Digest
    /// Its length in bytes.
    public let size: Int64
    /// When it was committed (file modification time).
    public let committedAt: Date
}

/// Receives new content: ingest then commit.
public protocol BlobIngester: Sendable {
    /// The writer type this store ingests with.
    associatedtype Writer: BlobWriter
    /// Starts an ingest in a fresh temporary location.
    func startIngest() throws -> Writer
    /// Opens (creating if needed) the durable partial file of an upload session, positioned at
    /// `offset`; bytes past `offset` (left by a crash) are discarded.
    func openUpload(_ id: UploadID, offset: Int64) throws -> Writer
    /// Checks the writer's content against `expected` (digest) and `expectedSize`, then makes it
    /// durable under its digest. On any mismatch nothing is stored and the partial file is
    /// removed; on a storage failure too, unless `keepingFileOnIOError` (upload sessions, which
    /// stay resumable): then the writer is closed and its file left where it was.
    func commit(_ writer: Writer, expected: Digest, expectedSize: Int64?, keepingFileOnIOError: Bool) throws -> BlobInfo
    /// Removes an ingest's partial file without storing anything.
    func abort(_ writer: Writer)
    /// Whether an upload session's partial file exists.
    func hasUploadFile(_ id: UploadID) -> Bool
}

/// An ingest in progress: bytes appended in order, hashed as they arrive.
public protocol BlobWriter: AnyObject {
    /// Bytes received so far.
    var offset: Int64 { get }
    /// Appends `bytes` at `offset` and feeds them to the hash.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes every byte written so far durable (for upload sessions between chunks).
    func sync() throws
}

/// Reads committed content.
public protocol BlobProvider: Sendable {
    /// The reader type this store provides.
    associatedtype Reader: BlobReader
    /// Opens a committed blob; throws `RegistryError.blobUnknown` when absent.
    func openReader(_ digest: Digest) throws -> Reader
}

/// A committed blob opened for reading by byte range.
public protocol BlobReader: AnyObject, Sendable {
    /// The blob's length.
    var size: Int64 { get }
    /// Reads up to `buffer.count` bytes at `offset` into `buffer`; fewer only at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
}

/// Answers what is stored, without reading content.
public protocol BlobInfoProvider: Sendable {
    /// The blob's info, or nil when the store does not hold it.
    func info(_ digest: Digest) throws -> BlobInfo?
}

/// Deletes and enumerates: for garbage collection and fsck only.
public protocol BlobManager: Sendable {
    /// Removes a committed blob. Callers must have removed every index entry naming it first
    /// (invariant 4).
    func delete(_ digest: Digest) throws
    /// Visits every committed blob; `body` returns false to stop.
    func walk(_ body: (BlobInfo) throws -> Bool) throws
}

/// A complete blob store: the four roles together.
public typealias BlobStore = BlobIngester & BlobProvider & BlobInfoProvider & BlobManager
