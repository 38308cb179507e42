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

    public var lockFile: String { "\(root)/berth.lock" }
    public var index: String { "\(root)/index" }
    public var blobs: String { "\(root)/blobs" }
    public var uploads: String { "\(root)/uploads" }
    public var temporary: String { "\(root)/tmp" }
    public var quarantine: String { "\(root)/quarantine" }
    public var auth: String { "\(root)/auth" }

    public func blobAlgorithmDirectory(_ algorithm: DigestAlgorithm) -> String { "\(blobs)/\(algorithm.rawValue)" }
    public func blobFanoutDirectory(_ digest: Digest) -> String {
        "\(blobAlgorithmDirectory(digest.algorithm))/\(digest.encoded.prefix(2))"
    }
    /// The committed file of a blob.
    public func blobFile(_ digest: Digest) -> String { "\(blobFanoutDirectory(digest))/\(digest.encoded)" }
    public func uploadFile(_ id: UploadID) -> String { "\(uploads)/\(id)" }
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
