import BerthModel
import Foundation

/// An ingest into a local file, hashing (SHA-256, libcrypto) every byte as it is written.
///
/// The hash state lives only in memory. A writer reopened for an upload after a restart starts
/// without one and rebuilds it lazily, by hashing its partial file on the first `write` or at
/// commit, never at open: opening a store with many sessions stays instant.
///
/// Its `append` is the ingest pipeline (`FileBlobWriter+Append.swift`).
///
/// Not `Sendable`: one request at a time feeds one writer (upload sessions enforce that).
public final class FileBlobWriter: BlobWriter {
    /// The partial file.
    public let path: String
    private let fd: Int32
    /// Bytes counted so far: written, and handed to the hash (which may still be running
    /// behind an upload's acknowledged chunk; `finish` waits for it).
    public private(set) var offset: Int64
    /// The serial queues every disk write and hash of this writer runs on, across the
    /// requests of an upload: bytes reach the file and the hash in order, and a chunk's hash
    /// may still run when the next chunk's is queued behind it.
    let queues = IngestQueues()
    private var hasher: ContentHasher?
    private var closed = false
    /// Where the bytes not yet handed to writeback begin (see `startWriteback`).
    private var writebackStart: Int64
    /// A second descriptor of the file opened with O_DIRECT, for aligned full buffers: the disk
    /// reads them straight from memory, with no copy into the page cache and no writeback left
    /// for the commit's `fsync`. Opened on the first aligned write; nil when the file system
    /// has no direct I/O, and dropped after a direct write fails (later writes are buffered).
    private var direct: DirectWrites = .untried
    /// Where the blob's bytes written through the page cache end (`CachedPushPrefix`); set
    /// once the blob passes `cachedWithoutAsking`, from the memory available then.
    private var cachedPrefixEnd: Int64?
    /// The part of the cached prefix written before the available memory is read: a small
    /// blob (a config, a signature, a small layer) should not pay for reading /proc/meminfo,
    /// and a larger one pays it once, against the milliseconds its bytes take.
    static let cachedWithoutAsking: Int64 = 8 << 20

    private enum DirectWrites {
        case untried
        case open(Int32)
        case unavailable
    }

    /// Dirty bytes after which writeback starts. Without it the kernel waits for its
    /// dirty-page thresholds (gigabytes on a large machine), and the commit's `fsync` would
    /// then write the whole blob while the client waits; with it, the disk works while the
    /// bytes arrive, and the `fsync` finds little left to do.
    static let writebackInterval: Int64 = 8 << 20

    /// The store this writer commits into (its layout, its buffers).
    let store: FileBlobStore

    init(path: String, create: Bool, offset: Int64, store: FileBlobStore) throws {
        self.path = path
        self.store = store
        self.fd = try POSIXFile.open(path, O_RDWR | (create ? O_CREAT | O_EXCL : 0))
        do {
            let size = try POSIXFile.size(fd, path: path)
            guard size >= offset else { throw IOError("resume at \(offset) beyond file size \(size)", path, EINVAL) }
            // Bytes past the durable offset were never acknowledged (a crash mid-chunk): drop them.
            if size > offset { try POSIXFile.truncate(fd, to: offset, path: path) }
            self.offset = offset
            self.writebackStart = offset
            self.direct = store.directWrites ? .untried : .unavailable
            self.hasher = offset == 0 ? try ContentHasher(.sha256) : nil
        } catch {
            Foundation.close(fd)
            throw error
        }
    }

    deinit {
        if !closed { Foundation.close(fd) }
        if case .open(let directFD) = direct { Foundation.close(directFD) }
    }

    /// Makes every byte written so far durable.
    public func sync() throws { try POSIXFile.fsync(fd, path: path) }

    public func commit(expected: Digest, expectedSize: Int64?, keepingPartialOnIOError: Bool) throws -> BlobInfo {
        do {
            if let expectedSize, expectedSize != offset {
                throw RegistryError.sizeMismatch(expected: expectedSize, actual: offset)
            }
            let actual = try finish(expected.algorithm)
            guard actual == expected else { throw RegistryError.digestMismatch(expected: expected, actual: actual) }
            try truncateToOffset()
            try sync()
            close()
            try store.install(path, as: actual, size: offset)
            return BlobInfo(digest: actual, size: offset, committedAt: Date())
        } catch {
            switch error {
            case RegistryError.digestMismatch, RegistryError.sizeMismatch: abort()
            case _ where keepingPartialOnIOError: close()
            default: abort()
            }
            throw error
        }
    }

    public func abort() {
        close()
        try? POSIXFile.unlink(path)
    }

    // The two halves of `write`, for a caller that runs them at the same time on two cores:
    // the disk write on an I/O thread, the hash on its own task. `advance` then moves the
    // offset past bytes that are both written and hashed; after a half-done append,
    // `discardHash` makes the next use rebuild the hash from what the file really holds.

    /// Makes sure the running hash exists, rebuilding it from the partial file of a reopened
    /// upload. Blocking I/O: call it on the hash queue, before the hashes that need it.
    func prepareHash() throws { _ = try liveHasher() }

    /// Writes `bytes` at `position` (the current offset) without hashing them or moving the offset.
    func writeUnhashed(_ bytes: UnsafeRawBufferPointer, at position: Int64) throws {
        if let directFD = directDescriptor(for: bytes, at: position) {
            do {
                try POSIXFile.write(directFD, bytes, at: position, path: path)
                return
            } catch {
                // Some file systems accept O_DIRECT at open and refuse the write (EINVAL):
                // write these bytes, and all later ones, through the page cache.
                dropDirect()
            }
        }
        try POSIXFile.write(fd, bytes, at: position, path: path)
        startWriteback(upTo: position + Int64(bytes.count))
    }

    /// The O_DIRECT descriptor, if `bytes` at `position` meet its alignment rules and lie past
    /// the blob's cached prefix.
    private func directDescriptor(for bytes: UnsafeRawBufferPointer, at position: Int64) -> Int32? {
        let alignment = IngestBuffer.alignment
        guard bytes.count > 0, bytes.count % alignment == 0, position % Int64(alignment) == 0,
              let base = bytes.baseAddress, Int(bitPattern: base) % alignment == 0 else { return nil }
        // With no direct I/O there is no prefix to ask about (nor memory to read).
        if case .unavailable = direct { return nil }
        guard !isInCachedPrefix(upTo: position + Int64(bytes.count)) else { return nil }
        switch direct {
        case .open(let directFD):
            return directFD
        case .unavailable:
            return nil
        case .untried:
            guard let directFD = POSIXFile.openDirectWriter(path) else {
                direct = .unavailable
                return nil
            }
            direct = .open(directFD)
            return directFD
        }
    }

    /// Whether bytes ending at `end` still belong to the blob's cached prefix (written through
    /// the page cache). The first `cachedWithoutAsking` bytes do without reading how much memory
    /// is available: a small push should not pay for reading /proc/meminfo.
    private func isInCachedPrefix(upTo end: Int64) -> Bool {
        let policy = store.cachedPrefix
        guard end > min(policy.maximumBytesPerBlob, Self.cachedWithoutAsking) else { return true }
        let prefixEnd = cachedPrefixEnd ?? policy.end(available: AvailableMemory.bytes())
        cachedPrefixEnd = prefixEnd
        return end <= prefixEnd
    }

    private func dropDirect() {
        if case .open(let directFD) = direct { Foundation.close(directFD) }
        direct = .unavailable
    }

    private func startWriteback(upTo end: Int64) {
        if end < writebackStart { writebackStart = end }
        guard end - writebackStart >= Self.writebackInterval else { return }
        POSIXFile.startWriteback(fd, from: writebackStart, length: end - writebackStart)
        writebackStart = end
    }

    /// Feeds `bytes` to the prepared running hash without writing them or moving the offset.
    func hashUnwritten(_ bytes: UnsafeRawBufferPointer) throws {
        guard let hasher else { throw IOError("hash not prepared", path, EINVAL) }
        try hasher.update(bytes)
    }

    /// Moves the offset past `count` bytes that were both written and hashed.
    func advance(by count: Int) { offset += Int64(count) }

    /// Cuts the file to exactly the bytes accepted: a write that failed partway (a full disk)
    /// may have left bytes past the offset, which must never become part of a blob.
    func truncateToOffset() throws {
        if try POSIXFile.size(fd, path: path) != offset { try POSIXFile.truncate(fd, to: offset, path: path) }
    }

    /// Forgets the running hash; the next use rebuilds it from the file.
    func discardHash() { hasher = nil }

    /// The digest of everything written, in `algorithm`. SHA-256 comes from the running hash;
    /// SHA-512 (rare: a client that declares it) re-reads the file once.
    func finish(_ algorithm: DigestAlgorithm) throws -> Digest {
        // Hashes left running behind acknowledged chunks finish first (never called from the
        // hash queue itself).
        queues.hashing.sync {}
        switch algorithm {
        case .sha256: return try liveHasher().finish()
        case .sha512: return try hashFile(.sha512)
        }
    }

    func close() {
        dropDirect()
        guard !closed else { return }
        closed = true
        Foundation.close(fd)
    }

    private func liveHasher() throws -> ContentHasher {
        if let hasher { return hasher }
        let rebuilt = try hashFileInto(.sha256)
        hasher = rebuilt
        return rebuilt
    }

    private func hashFile(_ algorithm: DigestAlgorithm) throws -> Digest {
        try hashFileInto(algorithm).finish()
    }

    /// Feeds bytes [0, offset) of the file to a new hasher.
    private func hashFileInto(_ algorithm: DigestAlgorithm) throws -> ContentHasher {
        let hasher = try ContentHasher(algorithm)
        try hasher.update(file: fd, length: offset, path: path)
        return hasher
    }
}
