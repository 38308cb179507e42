import BerthModel
import Foundation

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
/// <root>/replication/           endpoints' credentials (owner-only folder, file 0600)
/// <root>/trust-keys/            the trust server's timestamp and snapshot keys (owner-only folder, files 0600)
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

    /// The owner-only folder of the keys the trust server holds (timestamp and snapshot keys of
    /// each GUN, PEM, 0600).
    public var trustKeys: String { "\(root)/trust-keys" }

    /// The owner-only folder of replication's secrets.
    public var replication: String { "\(root)/replication" }
    /// The endpoints' credentials (mode 0600).
    public var replicationCredentials: String { "\(replication)/credentials.json" }

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

    /// Creates the root and its directories where missing, the 256 fan-out directories of
    /// every digest algorithm among them, each made durable (its parent fsynced) before the
    /// engine uses it.
    ///
    /// Why all fan-out directories up front: a commit renames a blob into one and fsyncs it,
    /// but the directory's own entry is durable only once its parent is fsynced. Created on
    /// demand, a second commit could find a directory another commit had just made, and be
    /// acknowledged before that entry was durable; a crash would then lose a linked blob.
    public func create() throws {
        try makeDurableDirectory(root, in: parentOfRoot)
        for directory in [index, blobs, uploads, temporary] {
            try makeDurableDirectory(directory, in: root)
        }
        for algorithm in DigestAlgorithm.allCases {
            let top = blobAlgorithmDirectory(algorithm)
            try makeDurableDirectory(top, in: blobs)
            let present = Set(try POSIXFile.list(top))
            var created = false
            for byte in 0..<256 {
                let name = Self.fanoutName(byte)
                if !present.contains(name), try POSIXFile.makeDirectory("\(top)/\(name)") { created = true }
            }
            if created { try POSIXFile.fsyncDirectory(top) }
        }
    }

    private func makeDurableDirectory(_ path: String, in parent: String) throws {
        if try POSIXFile.makeDirectory(path) { try POSIXFile.fsyncDirectory(parent) }
    }

    /// The folder holding the root (the current directory for a relative root without one).
    private var parentOfRoot: String {
        let parent = (root as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    /// The fan-out directory name of a first byte: two lowercase hex digits, as digests print.
    private static func fanoutName(_ byte: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[byte >> 4], digits[byte & 0xf]])
    }
}
