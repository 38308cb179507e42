import BerthModel
import Foundation

/// The rules of blob links: a blob is readable through a repository only once linked there,
/// a mount links only what the source repository can read, and linking again makes a link
/// young again.
extension MetadataIndex {
    /// Makes a blob (whose file is already durable) readable through a repository.
    ///
    /// Linking again (a push or mount of a blob the repository already has) makes the link
    /// young again: the client is about to push a manifest naming it, and garbage collection
    /// spares links younger than its grace. Keeping the first time instead would let a
    /// collection unlink, between this 201 and that manifest, a blob left unreferenced long ago.
    public func linkBlob(_ digest: Digest, size: Int64, into repository: RepositoryName, now: Date) async throws {
        try await write { txn in try txn.putBlobLink(BlobLink(digest: digest, size: size, linkedAt: now), in: repository) }
    }

    /// Links a blob readable through `source` into `target`; returns false when `source` lacks it.
    public func mountBlob(_ digest: Digest, from source: RepositoryName, into target: RepositoryName, now: Date) async throws -> Bool {
        try await write { txn in
            guard let link = try txn.blobLink(digest, in: source) else { return false }
            try txn.putBlobLink(BlobLink(digest: digest, size: link.size, linkedAt: now), in: target)
            return true
        }
    }

    /// Removes a blob's link from a repository; returns false when it was not linked.
    public func unlinkBlob(_ digest: Digest, from repository: RepositoryName) async throws -> Bool {
        try await write { txn in try txn.removeBlobLink(digest, from: repository) }
    }
}
