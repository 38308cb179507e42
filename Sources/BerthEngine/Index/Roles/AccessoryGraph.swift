import BerthModel

/// The edges between manifests, read: subject → accessory links, subject ← referrer edges
/// (the referrers API), index → child back references.
public protocol AccessoryGraph: Sendable {
    /// The accessories linked to `subject` (one level; accessories of accessories hang below them).
    func accessoryLinks(of subject: Digest, in repository: RepositoryName) throws -> [AccessoryLink]
    /// The subjects an accessory is linked to.
    func subjects(ofAccessory accessory: Digest, in repository: RepositoryName) throws -> [Digest]
    /// The indexes that name `child` as one of their manifests.
    func parents(of child: Digest, in repository: RepositoryName) throws -> [Digest]
    /// Descriptors of the manifests whose subject is `subject`, optionally only those of one artifact type.
    func referrers(of subject: Digest, in repository: RepositoryName, artifactType: MediaType?) throws -> [Descriptor]
    /// At most `limit` referrers after `cursor` (nil: from the first), in the index's order
    /// (artifact type, then digest); the cost is that of the page, not of all referrers.
    func referrers(of subject: Digest, in repository: RepositoryName, artifactType: MediaType?,
                   after cursor: ReferrerCursor?, limit: Int) throws -> Page<Descriptor>
}
