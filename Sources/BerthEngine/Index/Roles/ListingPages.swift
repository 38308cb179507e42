import BerthModel

/// The paged reads a browsing client (the web interface, the admin API's pages) needs: each
/// costs what its page holds, not what the repository holds, so the first page of a
/// repository of a million manifests is as cheap as that of ten.
public protocol ListingPages: Sendable {
    /// A repository's manifests newest first push first (ties in digest order), starting
    /// after `position`, at most `limit`; from an index ordered by push time. Accessories and
    /// index children are included: what to show is the caller's rule.
    func manifests(in repository: RepositoryName, after position: PushOrderPosition?, limit: Int) throws -> Page<ManifestRecord>
    /// The accessory links of `subject` in accessory-digest order, after `accessory`, at most `limit`.
    func accessoryLinks(of subject: Digest, in repository: RepositoryName, after accessory: Digest?, limit: Int) throws -> Page<AccessoryLink>
    /// Tags of a repository whose case-insensitive form starts with `prefix`, in tag listing
    /// order, after the tag `last`, at most `limit`, with their manifests.
    func tagRecords(in repository: RepositoryName, prefix: String, after last: String?, limit: Int) throws -> Page<TagRecord>
    /// Whether `subject` has an accessory link of a type `matches` accepts; stops at the first
    /// (reading each link's type only), so a subject with a thousand SBOMs and one signature
    /// costs no list of a thousand links.
    func hasAccessory(of subject: Digest, in repository: RepositoryName, where matches: (AccessoryType) -> Bool) throws -> Bool
    /// A repository's figures, or nil when it does not exist. Costs a walk of the
    /// repository's own manifests, reverse accessory links and blob links (not of the whole index).
    func figures(of repository: RepositoryName) throws -> RepositoryFigures?
}
