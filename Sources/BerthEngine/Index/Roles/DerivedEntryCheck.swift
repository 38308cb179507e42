import BerthModel

/// The index's own derived entries, which its writes keep in step with the records they come
/// from (a manifest → tag index beside the tags, referrer edges beside the manifests that
/// name a subject). Only damage puts them out of step; fsck asks, and `--repair` mends.
public protocol DerivedEntryCheck: Sendable {
    /// Entries of the manifest → tag index that no tag backs (the tag gone, or moved).
    func staleTagIndexEntries() throws -> [(repository: RepositoryName, digest: Digest, tag: Tag)]
    /// Tags of present manifests that the manifest → tag index lacks (the other direction of
    /// `staleTagIndexEntries`: GC would take their manifests for untagged).
    func unindexedTags() throws -> [(repository: RepositoryName, digest: Digest, tag: Tag)]
    /// Manifest documents no repository's manifest record holds any more (harmless: they are
    /// never served, only take space).
    func orphanDocuments() throws -> [Digest]
    /// Push-time entries out of step with the manifest records (`missing`: a record without its
    /// entry, which paged listings would skip; `stale`: an entry no record backs), as one line each.
    func pushOrderMismatches() throws -> (missing: [String], stale: [String])
    /// Brings the derived entries back in step with the records, in one transaction: removes
    /// stale tag index entries, writes missing ones, removes referrer edges whose referrer is
    /// gone and documents no manifest holds, rewrites the push-time entries from the records. Returns one line per change, starting with what was done (`removed …`, `wrote …`).
    func repairDerivedEntries() async throws -> [String]
}
