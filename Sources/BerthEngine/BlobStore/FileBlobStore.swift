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

    /// A store over `layout` (directories must exist: `DataRootLayout.create()`).
    /// A store in `layout`; `directWrites` lets ingests bypass the page cache where they can.
    public init(layout: DataRootLayout, directWrites: Bool = true) {
        self.layout = layout
        self.directWrites = directWrites
    }

    public func startIngest() throws -> FileBlobWriter {
        try FileBlobWriter(path: layout.temporaryFile("ingest-\(UploadID.random())"), create: true, offset: 0, directWrites: directWrites)
    }

    public func openUpload(_ id: UploadID, offset: Int64) throws -> FileBlobWriter {
        let path = layout.uploadFile(id)
        let exists = try POSIXFile.stat(path) != nil
        return try FileBlobWriter(path: path, create: !exists, offset: offset, directWrites: directWrites)
    }

    /// Creates an upload's empty partial file durably (file and directory entry).
    public func createUploadFile(_ id: UploadID) throws {
        let writer = try FileBlobWriter(path: layout.uploadFile(id), create: true, offset: 0, directWrites: directWrites)
        try writer.sync()
        writer.close()
        try POSIXFile.fsyncDirectory(layout.uploads)
    }

    /// - Parameter keepingFileOnIOError: on a failure that is not a digest or size mismatch
    ///   (the disk, not the content), close the writer but leave its file where it is, so an
    ///   upload session stays resumable; mismatches always remove the file (it can never match).
    public func commit(_ writer: FileBlobWriter, expected: Digest, expectedSize: Int64?,
                       keepingFileOnIOError: Bool = false) throws -> BlobInfo {
        do {
            if let expectedSize, expectedSize != writer.offset {
                throw RegistryError.sizeMismatch(expected: expectedSize, actual: writer.offset)
            }
            let actual = try writer.finish(expected.algorithm)
            guard actual == expected else { throw RegistryError.digestMismatch(expected: expected, actual: actual) }
            try writer.truncateToOffset()
            try writer.sync()
            writer.close()
            let size = writer.offset
            let destination = layout.blobFile(actual)
            let fanout = layout.blobFanoutDirectory(actual)
            try POSIXFile.makeDirectory(layout.blobAlgorithmDirectory(actual.algorithm))
            if try POSIXFile.makeDirectory(fanout) {
                try POSIXFile.fsyncDirectory(layout.blobAlgorithmDirectory(actual.algorithm))
            }
            // Always replace: the new bytes were just verified, an existing file may not be
            // (a re-push heals a damaged blob), and open readers keep their own inode.
            try POSIXFile.rename(writer.path, destination)
            try POSIXFile.fsyncDirectory(fanout)
            return BlobInfo(digest: actual, size: size, committedAt: Date())
        } catch {
            switch error {
            case RegistryError.digestMismatch, RegistryError.sizeMismatch: abort(writer)
            case _ where keepingFileOnIOError: writer.close()
            default: abort(writer)
            }
            throw error
        }
    }

    /// Whether an upload's partial file exists.
    public func hasUploadFile(_ id: UploadID) -> Bool {
        FileManager.default.fileExists(atPath: layout.uploadFile(id))
    }

    public func abort(_ writer: FileBlobWriter) {
        writer.close()
        try? POSIXFile.unlink(writer.path)
    }

    /// Removes an upload's partial file (a cancelled or expired session).
    public func removeUpload(_ id: UploadID) throws {
        try POSIXFile.unlink(layout.uploadFile(id))
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
        try POSIXFile.unlink(layout.blobFile(digest))
        try POSIXFile.fsyncDirectory(layout.blobFanoutDirectory(digest))
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
