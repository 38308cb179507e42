import BerthModel
import Foundation

/// The blob store on a local file system: `blobs/<algorithm>/<first two hex>/<hex>`.
///
/// Ingests write into `tmp/` (monolithic pushes) or `uploads/` (sessions), both on the same file
/// system as `blobs/`, so that commit is a `rename`. Commit order (invariant 1): fsync the file,
/// rename it into place, fsync the fan-out directory (and its parent when the fan-out directory
/// is new). Only after that may an index entry name the blob.
///
/// Two ingests of the same content race harmlessly: each renames its verified copy into place,
/// atomically, and content addressing makes them identical.
public struct FileBlobStore: BlobStore {
    /// The data root's layout.
    public let layout: DataRootLayout
    /// Whether ingests write full aligned buffers with O_DIRECT (see `FileBlobWriter`).
    public let directWrites: Bool
    /// How much of each blob is written through the page cache, for its first pull, before
    /// direct writes take over (see `CachedPushPrefix`).
    public let cachedPrefix: CachedPushPrefix
    /// The buffers request bodies are gathered into, shared by every ingest of this store.
    let buffers: IngestBufferPool
    /// Full buffers one ingest may have being written and hashed while the next one fills.
    let buffersInFlight: Int
    /// Blobs and bytes stored, shared by every copy of this store.
    let usage = BlobUsageTally()

    /// A store in `layout` (directories must exist: `DataRootLayout.create()`).
    /// - Parameters:
    ///   - directWrites: let ingests bypass the page cache where they can.
    ///   - cachedPrefix: how much of each blob is written through the page cache first.
    ///   - bufferSize: bytes gathered from a body before one write and one hand-off to the hash.
    ///   - bufferMemory: memory for buffers beyond the two each ingest always gets.
    ///   - buffersInFlight: full buffers one ingest may have in flight (at least 1).
    public init(layout: DataRootLayout, directWrites: Bool = true, cachedPrefix: CachedPushPrefix = .standard,
                bufferSize: Int = 4 << 20, bufferMemory: Int = 64 << 20, buffersInFlight: Int = 4) {
        self.layout = layout
        self.directWrites = directWrites
        self.cachedPrefix = cachedPrefix
        self.buffers = IngestBufferPool(bufferSize: bufferSize, memoryLimit: bufferMemory)
        self.buffersInFlight = max(1, buffersInFlight)
    }

    public func startIngest() throws -> FileBlobWriter {
        try FileBlobWriter(path: layout.temporaryFile("ingest-\(UploadID.random())"), create: true, offset: 0, store: self)
    }

    public func resumeUpload(_ id: UploadID, at offset: Int64) throws -> FileBlobWriter {
        let path = layout.uploadFile(id)
        let exists = try POSIXFile.stat(path) != nil
        return try FileBlobWriter(path: path, create: !exists, offset: offset, store: self)
    }

    public func createUpload(_ id: UploadID) throws {
        let writer = try FileBlobWriter(path: layout.uploadFile(id), create: true, offset: 0, store: self)
        try writer.sync()
        writer.close()
        try POSIXFile.fsyncDirectory(layout.uploads)
    }

    public func hasUpload(_ id: UploadID) -> Bool {
        FileManager.default.fileExists(atPath: layout.uploadFile(id))
    }

    public func removeUpload(_ id: UploadID) throws {
        try POSIXFile.unlink(layout.uploadFile(id))
    }

    public func removeLeftovers(keepingUploads sessions: Set<UploadID>) throws {
        for name in try POSIXFile.list(layout.temporary) {
            try POSIXFile.unlink(layout.temporaryFile(name))
        }
        let owned = Set(sessions.map(\.description))
        for name in try POSIXFile.list(layout.uploads) where !owned.contains(name) {
            try POSIXFile.unlink("\(layout.uploads)/\(name)")
        }
    }

    /// Moves a verified partial file of `size` bytes under its digest (invariant 1: fsync,
    /// rename, fsync the fan-out directory and, when the fan-out directory is new, its parent).
    func install(_ path: String, as digest: Digest, size: Int64) throws {
        let destination = layout.blobFile(digest)
        let fanout = layout.blobFanoutDirectory(digest)
        try POSIXFile.makeDirectory(layout.blobAlgorithmDirectory(digest.algorithm))
        if try POSIXFile.makeDirectory(fanout) {
            try POSIXFile.fsyncDirectory(layout.blobAlgorithmDirectory(digest.algorithm))
        }
        let change = usage.begin(shard: Self.shard(of: digest))
        var added = BlobUsage()
        defer { usage.end(change, blobs: added.blobs, bytes: added.bytes) }
        if try POSIXFile.renameUnlessPresent(path, destination) {
            added = BlobUsage(blobs: 1, bytes: size)
        } else {
            // Replace all the same: the new bytes were just verified, an existing file may not
            // be (a re-push heals a damaged blob), and open readers keep their own inode.
            let previous = try POSIXFile.stat(destination)?.size
            try POSIXFile.rename(path, destination)
            added = previous.map { BlobUsage(blobs: 0, bytes: size - $0) } ?? BlobUsage(blobs: 1, bytes: size)
        }
        try POSIXFile.fsyncDirectory(fanout)
    }

    public func openReader(_ digest: Digest) throws -> FileBlobReader {
        let path = layout.blobFile(digest)
        do {
            return try FileBlobReader(path: path)
        } catch let error as IOError where error.code == ENOENT {
            throw RegistryError.blobUnknown(digest)
        }
    }

    public func info(_ digest: Digest) throws -> BlobInfo? {
        guard let stat = try POSIXFile.stat(layout.blobFile(digest)) else { return nil }
        return BlobInfo(digest: digest, size: stat.size, committedAt: stat.modified)
    }

    public func delete(_ digest: Digest) throws {
        let path = layout.blobFile(digest)
        let change = usage.begin(shard: Self.shard(of: digest))
        var removed = BlobUsage()
        defer { usage.end(change, blobs: -removed.blobs, bytes: -removed.bytes) }
        if let size = try POSIXFile.stat(path)?.size {
            if Foundation.unlink(path) == 0 {
                removed = BlobUsage(blobs: 1, bytes: size)
            } else if errno != ENOENT {
                throw IOError("unlink", path)
            }
        }
        try POSIXFile.fsyncDirectory(layout.blobFanoutDirectory(digest))
    }

    public func trackUsage(_ report: @escaping @Sendable (BlobUsage) -> Void) throws {
        guard usage.startWalk(report: report) else { return }
        do {
            for algorithm in DigestAlgorithm.allCases {
                let top = layout.blobAlgorithmDirectory(algorithm)
                // Every possible fan-out folder, not those listed now: one created while the
                // walk runs must be walked too, or its first blobs would never count.
                for fanout in Self.fanouts {
                    if usage.isStopped {
                        usage.abandonWalk()
                        return
                    }
                    try usage.walkShard("\(algorithm.rawValue)/\(fanout)") { () throws -> BlobUsage in
                        var found = BlobUsage()
                        for name in try POSIXFile.list("\(top)/\(fanout)") where name.hasPrefix(fanout) {
                            guard (try? Digest(algorithm: algorithm, encoded: name)) != nil,
                                  let stat = try POSIXFile.stat("\(top)/\(fanout)/\(name)") else { continue }
                            found.blobs += 1
                            found.bytes += stat.size
                        }
                        return found
                    }
                }
            }
            usage.finishWalk()
        } catch {
            usage.abandonWalk()
            throw error
        }
    }

    public func stopTrackingUsage() { usage.stop() }

    /// The fan-out folder names: two lowercase hex digits.
    private static let fanouts: [String] = (0..<256).map { String(format: "%02x", $0) }

    /// The tally's shard of a blob: its algorithm and fan-out folder.
    private static func shard(of digest: Digest) -> String {
        "\(digest.algorithm.rawValue)/\(digest.encoded.prefix(2))"
    }

    public func walk(_ body: (BlobInfo) throws -> Bool) throws {
        for algorithm in DigestAlgorithm.allCases {
            let top = layout.blobAlgorithmDirectory(algorithm)
            for fanout in try POSIXFile.list(top).sorted() {
                for name in try POSIXFile.list("\(top)/\(fanout)").sorted() {
                    guard let digest = try? Digest(algorithm: algorithm, encoded: name), name.hasPrefix(fanout),
                          let stat = try POSIXFile.stat("\(top)/\(fanout)/\(name)") else { continue }
                    guard try body(BlobInfo(digest: digest, size: stat.size, committedAt: stat.modified)) else { return }
                }
            }
        }
    }

    /// Files in the blob tree whose names are not blobs of their folder (debris, or damage).
    public func strayFiles() throws -> [String] {
        var stray: [String] = []
        for algorithm in DigestAlgorithm.allCases {
            let top = layout.blobAlgorithmDirectory(algorithm)
            for fanout in try POSIXFile.list(top) {
                for name in try POSIXFile.list("\(top)/\(fanout)") {
                    if (try? Digest(algorithm: algorithm, encoded: name)) == nil || !name.hasPrefix(fanout) {
                        stray.append("\(top)/\(fanout)/\(name)")
                    }
                }
            }
        }
        return stray
    }
}
