import BerthModel

/// Where everything lives under a data root. Paths only; no I/O but `create()`.
///
/// ```
/// <root>/berth.lock             flock'd by the one process that owns the root
/// <root>/index/                 LMDB environment (data.mdb, lock.mdb)
/// <root>/blobs/sha256/ab/abcd…  committed blobs, named by digest
/// <root>/uploads/<id>           partial files of upload sessions (resumable)
/// <root>/tmp/                   monolithic ingests in flight; emptied on open
/// <root>/quarantine/            blobs fsck --repair found corrupt
/// <root>/auth/                  token signing key, first admin password (owner-only files)
/// ```
public struct DataRootLayout: Sendable, Hashable {
    /// The data root directory.
    public let root: String

    /// The layout under `root` (a trailing slash is ignored).
    public init(root: String) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
    }

    /// The lock file the owning process holds.
    public var lockFile: String { "\(root)/berth.lock" }
    /// The LMDB environment.
    public var index: String { "\(root)/index" }
    /// The committed blobs.
    public var blobs: String { "\(root)/blobs" }
    /// Partial files of upload sessions.
    public var uploads: String { "\(root)/uploads" }
    /// Monolithic ingests in flight.
    public var temporary: String { "\(root)/tmp" }
    /// Blobs fsck --repair found corrupt.
    public var quarantine: String { "\(root)/quarantine" }
    /// Token key and first administrator password.
    public var auth: String { "\(root)/auth" }

    /// The folder of one algorithm's blobs.
    public func blobAlgorithmDirectory(_ algorithm: DigestAlgorithm) -> String { "\(blobs)/\(algorithm.rawValue)" }
    /// The fan-out folder of a blob (first two hex digits).
    public func blobFanoutDirectory(_ digest: Digest) -> String {
        "\(blobAlgorithmDirectory(digest.algorithm))/\(digest.encoded.prefix(2))"
    }
    /// The committed file of a blob.
    public func blobFile(_ digest: Digest) -> String { "\(blobFanoutDirectory(digest))/\(digest.encoded)" }
    /// The partial file of an upload session.
    public func uploadFile(_ id: UploadID) -> String { "\(uploads)/\(id)" }
    /// A temporary file.
    public func temporaryFile(_ name: String) -> String { "\(temporary)/\(name)" }

    /// Creates the root and its directories where missing.
    public func create() throws {
        for directory in [root, index, blobs, uploads, temporary] {
            try POSIXFile.makeDirectory(directory)
        }
        for algorithm in DigestAlgorithm.allCases {
            try POSIXFile.makeDirectory(blobAlgorithmDirectory(algorithm))
        }
    }
}
