import BerthModel
import Foundation

/// fsck's repair of index entries that name what is gone: candidates found in a snapshot,
/// each re-checked and removed in one transaction (a live server may have mended one since).
extension MetadataIndex {
    /// Removes manifests whose document is gone (they cannot be served; with their tags and
    /// edges), tags whose manifest is gone, links to missing blob files (per `blobExists`),
    /// then brings the index's derived entries back in step (`repairDerivedEntries`). Returns
    /// one line per change, starting with what was done (`removed …`, `wrote …`).
    public func removeDangling(blobExists: @escaping @Sendable (Digest) -> Bool) async throws -> [String] {
        var manifests: [(RepositoryName, Digest)] = []
        var tags: [(RepositoryName, Tag, Digest)] = []
        var links: [(RepositoryName, Digest)] = []
        try forEachManifest { manifests.append(($0.repository, $0.digest)) }
        try forEachTag { tags.append(($0, $1, $2)) }
        try forEachBlobLink { repository, link in if !blobExists(link.digest) { links.append((repository, link.digest)) } }
        let (brokenManifests, danglingTags) = try read { txn in
            (try manifests.filter { try !txn.hasDocument($0.1) },
             try tags.filter { try !txn.hasManifest($0.2, in: $0.0) })
        }
        let danglingLinks = links
        var removed = try await write { txn -> [String] in
            var removed: [String] = []
            for (repository, digest) in brokenManifests where try !txn.hasDocument(digest) {
                if try txn.deleteAlone(digest, in: repository) {
                    removed.append("removed manifest \(repository)@\(digest) (document missing)")
                }
            }
            for (repository, tag, digest) in danglingTags {
                guard let current = try txn.tag(tag, in: repository), current.digest == digest,
                      try !txn.hasManifest(digest, in: repository) else { continue }
                try txn.removeTag(tag, in: repository)
                removed.append("removed tag \(repository):\(tag) -> \(digest) (manifest missing)")
            }
            for (repository, digest) in danglingLinks where !blobExists(digest) {
                if try txn.removeBlobLink(digest, from: repository) {
                    removed.append("removed blob link \(repository)@\(digest) (blob file missing)")
                }
            }
            return removed
        }
        removed += try await repairDerivedEntries()
        return removed
    }
}
