import BerthModel
import Foundation

/// Manifests, tags, the catalog and referrers.
extension Registry {
    /// Stores a manifest pushed by tag or digest.
    ///
    /// Checks, in order: size (≤ 4 MiB), valid JSON of an accepted media type (the body's
    /// `mediaType` agreeing with `contentType`), the body's digest equal to a digest reference,
    /// and (inside the index transaction) every referenced blob linked into the repository and
    /// every child of an index present in it. The `subject` need not exist yet. A tag reference
    /// moves the tag in the same transaction.
    /// - Parameter tags: with a digest reference, tags to point at the manifest as well (the
    ///   spec's `?tag=` parameters), moved in the manifest's own transaction: if one is refused
    ///   (an immutability rule), nothing is stored.
    /// - Parameter actor: who pushed (an account name, or `anonymous`): the audit event of the
    ///   push, appended in its transaction, names them.
    public func putManifest(_ bytes: [UInt8], contentType: String?, in repository: RepositoryName,
                            reference: Reference, tags: [Tag] = [], actor: String = "anonymous") async throws(RegistryError) -> ManifestRecord {
        let manifest = try RegistryError.wrapping { try Manifest(parsing: bytes, contentType: contentType) }
        let digest: Digest
        let tag: Tag?
        switch reference {
        case .digest(let expected):
            digest = try RegistryError.wrapping { try ContentHasher.digest(of: bytes, using: expected.algorithm) }
            guard digest == expected else { throw .digestMismatch(expected: expected, actual: digest) }
            tag = nil
        case .tag(let name):
            digest = try RegistryError.wrapping { try ContentHasher.digest(of: bytes) }
            tag = name
        }
        let now = Date(millisecondsSince1970: self.now().millisecondsSince1970)
        let protection = tagProtection(in: repository)
        // One transaction for the manifest and every tag: a refused tag (immutability) refuses all.
        let request = ManifestWriteRequest(repository: repository, digest: digest, bytes: bytes, manifest: manifest,
                                           tags: tag.map { [$0] } ?? tags, now: now, tagProtection: protection,
                                           audit: AuditEvent(time: now, actor: actor, action: "push", repository: repository.value,
                                                             digest: digest.description, detail: reference.description),
                                           outbox: outbox)
        return try await RegistryError.wrapping { try await index.putManifest(request) }
    }

    /// The record of a manifest by tag or digest (for `HEAD`); `.manifestUnknown` if absent.
    public func manifestRecord(_ reference: Reference, in repository: RepositoryName) throws(RegistryError) -> ManifestRecord {
        try RegistryError.wrapping {
            let digest: Digest
            switch reference {
            case .digest(let value): digest = value
            case .tag(let tag):
                guard let resolved = try index.resolve(tag: tag, in: repository) else {
                    throw RegistryError.manifestUnknown("\(repository):\(tag)")
                }
                digest = resolved
            }
            guard let record = try index.manifest(digest, in: repository) else {
                throw RegistryError.manifestUnknown("\(repository)@\(digest)")
            }
            return record
        }
    }

    /// A manifest's record and its exact bytes, by tag or digest.
    public func manifest(_ reference: Reference, in repository: RepositoryName) throws(RegistryError) -> (record: ManifestRecord, bytes: [UInt8]) {
        let record = try manifestRecord(reference, in: repository)
        return (record, try document(of: record))
    }

    /// The exact bytes of a manifest the index holds; `.storage` when they are missing or
    /// decode to another length (a damaged compressed document must never be served under the
    /// digest: fsck re-hashes every document).
    func document(of record: ManifestRecord) throws(RegistryError) -> [UInt8] {
        guard let bytes = try RegistryError.wrapping({ try index.manifestBytes(record.digest) }) else {
            throw .storage("manifest \(record.digest) is indexed but its document is missing (run fsck)")
        }
        guard Int64(bytes.count) == record.size else {
            throw .storage("manifest \(record.digest) decodes to \(bytes.count) bytes, not \(record.size) (run fsck)")
        }
        return bytes
    }

    /// Deletes a manifest from a repository with its tags, its own referrer edge and all its
    /// accessories (recursively), in one transaction. Returns every manifest removed.
    @discardableResult
    public func deleteManifest(_ digest: Digest, in repository: RepositoryName) async throws(RegistryError) -> [Digest] {
        let removed = try await RegistryError.wrapping { try await index.deleteManifest(digest, in: repository, protection: tagProtection(in: repository), outbox: outbox) }
        guard !removed.isEmpty else { throw .manifestUnknown("\(repository)@\(digest)") }
        return removed
    }

    /// Deletes one accessory of `subject` (direct or nested) with its own accessories, in one
    /// transaction; `.invalidPolicy` when it is no accessory of `subject`. Returns what was removed.
    public func deleteAccessory(_ accessory: Digest, of subject: Digest, in repository: RepositoryName) async throws(RegistryError) -> [Digest] {
        try await RegistryError.wrapping {
            try await index.deleteAccessory(accessory, of: subject, in: repository, protection: tagProtection(in: repository), outbox: outbox)
        }
    }

    /// Deletes a tag only; the manifest stays, reachable by digest.
    public func deleteTag(_ tag: Tag, in repository: RepositoryName) async throws(RegistryError) {
        guard try await RegistryError.wrapping({ try await index.deleteTag(tag, in: repository, protection: tagProtection(in: repository), outbox: outbox) }) else {
            throw .manifestUnknown("\(repository):\(tag)")
        }
    }

    /// A page of a repository's tags in case-insensitive lexical order, after `last`; at most
    /// `limit` (nil: all). `.repositoryUnknown` if the repository does not exist.
    public func tags(in repository: RepositoryName, after last: String? = nil, limit: Int? = nil) throws(RegistryError) -> Page<Tag> {
        guard let page = try RegistryError.wrapping({ try index.tags(in: repository, after: last, limit: limit ?? Int.max) }) else {
            throw .repositoryUnknown(repository)
        }
        return page
    }

    /// A page of repository names in lexical order, after `last`; at most `limit` (nil: all).
    public func catalog(after last: String? = nil, limit: Int? = nil) throws(RegistryError) -> Page<RepositoryName> {
        try RegistryError.wrapping { try index.repositories(after: last, limit: limit ?? Int.max) }
    }

    /// The descriptors of manifests in `repository` whose subject is `subject`, optionally only
    /// those of `artifactType`. Empty (not an error) when there are none or the subject is unknown.
    public func referrers(of subject: Digest, in repository: RepositoryName, artifactType: MediaType? = nil) throws(RegistryError) -> [Descriptor] {
        try RegistryError.wrapping { try index.referrers(of: subject, in: repository, artifactType: artifactType) }
    }

    /// A page of at most `limit` referrers after `cursor` (nil: from the first), in the order
    /// of artifact type then digest; the cost is that of the page, not of all referrers.
    public func referrers(of subject: Digest, in repository: RepositoryName, artifactType: MediaType? = nil,
                          after cursor: ReferrerCursor?, limit: Int) throws(RegistryError) -> Page<Descriptor> {
        try RegistryError.wrapping { try index.referrers(of: subject, in: repository, artifactType: artifactType, after: cursor, limit: limit) }
    }
}
