import BerthModel
import Foundation

/// Paged browsing of a repository: which manifests a listing shows as artifacts and what it
/// says of each, and the Accessories table of one. Written once here for every caller (the
/// web interface, the admin API's pages); each page costs what it shows, never a walk of the
/// repository.
extension Registry {
    /// How many index entries a page may pass over (accessories, index children) before it
    /// returns short, so a run of a million accessories cannot make one page walk them all.
    static var browsingScanBudget: Int { 2_000 }

    /// A page of the artifacts of `repository`: the manifests that are neither an accessory nor
    /// an index's child (those show under their subject and their index; a child with tags of
    /// its own shows as well), newest push first. With `tagPrefix`, the artifacts named by tags
    /// starting with it (case-insensitive), in tag order. `after` is a previous page's `next`;
    /// `.repositoryUnknown` for a repository that does not exist, `.invalidPolicy` for a
    /// cursor that is not one.
    public func artifactPage(in repository: RepositoryName, tagPrefix: String? = nil, after: String? = nil,
                             limit: Int) async throws(RegistryError) -> ArtifactPage {
        let limit = max(1, min(limit, 500))
        guard try RegistryError.wrapping({ try index.repositoryExists(repository) }) else { throw .repositoryUnknown(repository) }
        if let tagPrefix, !tagPrefix.isEmpty { return try await taggedArtifactPage(in: repository, prefix: tagPrefix, after: after, limit: limit) }
        var position: PushOrderPosition?
        if let after {
            guard let parsed = PushOrderPosition(parsing: after) else { throw .invalidPolicy("\(after) is not a page position") }
            position = parsed
        }
        var shown: [ArtifactListing] = []
        var examined = 0
        var last = position
        var exhausted = false
        scanning: while shown.count < limit, examined < Self.browsingScanBudget {
            let page = try RegistryError.wrapping { try index.manifests(in: repository, after: last, limit: limit) }
            for record in page.items {
                examined += 1
                last = PushOrderPosition(record)
                let tags = try RegistryError.wrapping { try index.tags(of: record.digest, in: repository) }
                if try isListedArtifact(record, tags: tags) { shown.append(try await listing(record, tags: tags)) }
                if shown.count == limit || examined >= Self.browsingScanBudget { break scanning }
            }
            if !page.hasMore { exhausted = true; break }
        }
        var next: String?
        if !exhausted, let last {
            // One look ahead: a page that ended exactly at the end has no next page.
            let ahead = try RegistryError.wrapping { try index.manifests(in: repository, after: last, limit: 1) }
            next = ahead.items.isEmpty ? nil : last.description
        }
        return ArtifactPage(artifacts: shown, next: next)
    }

    /// Whether a manifest shows as an artifact of its own (see `artifactPage`).
    private func isListedArtifact(_ record: ManifestRecord, tags: [Tag]) throws(RegistryError) -> Bool {
        if record.subject != nil { return false }
        return try RegistryError.wrapping {
            if try !index.subjects(ofAccessory: record.digest, in: record.repository).isEmpty { return false }
            if tags.isEmpty, try !index.parents(of: record.digest, in: record.repository).isEmpty { return false }
            return true
        }
    }

    /// The filtered page: tags starting with `prefix` in tag order, their artifacts once each.
    private func taggedArtifactPage(in repository: RepositoryName, prefix: String, after: String?, limit: Int) async throws(RegistryError) -> ArtifactPage {
        let page = try RegistryError.wrapping { try index.tagRecords(in: repository, prefix: prefix, after: after, limit: limit) }
        var seen: Set<Digest> = []
        var shown: [ArtifactListing] = []
        for tag in page.items where seen.insert(tag.digest).inserted {
            guard let record = try RegistryError.wrapping({ try index.manifest(tag.digest, in: repository) }) else { continue }
            let tags = try RegistryError.wrapping { try index.tags(of: record.digest, in: repository) }
            shown.append(try await listing(record, tags: tags))
        }
        return ArtifactPage(artifacts: shown, next: page.hasMore ? page.items.last?.tag.value : nil)
    }

    /// The listing entry of one artifact by tag or digest (`.manifestUnknown` when absent).
    public func artifactListing(_ reference: Reference, in repository: RepositoryName) async throws(RegistryError) -> ArtifactListing {
        let record = try manifestRecord(reference, in: repository)
        let tags = try RegistryError.wrapping { try index.tags(of: record.digest, in: repository) }
        return try await listing(record, tags: tags)
    }

    /// The listing entry of one manifest.
    func listing(_ record: ManifestRecord, tags: [Tag]) async throws(RegistryError) -> ArtifactListing {
        let repository = record.repository
        let signed = try isSigned(record.digest, in: repository)
        let verified: Bool? = policies.trustedKeys.isEmpty ? nil : (signed ? try await hasVerifiedSignature(record.digest, in: repository) : false)
        let accessoryCount = try RegistryError.wrapping { try index.accessoryLinks(of: record.digest, in: repository).count }
        var kind: ArtifactKind
        var children: [IndexChild] = []
        if ManifestKind(mediaType: record.mediaType)?.isIndex == true {
            kind = .index
            let bytes = try document(of: record)
            let entries = (try? Manifest(parsing: bytes, contentType: nil))?.manifests ?? []
            for entry in entries.prefix(64) {
                let size = try RegistryError.wrapping { try index.manifest(entry.digest, in: repository)?.size } ?? entry.size
                let childSigned = signed ? true : try isSigned(entry.digest, in: repository)
                children.append(IndexChild(digest: entry.digest, platform: entry.platform, size: size, isSigned: childSigned))
            }
        } else if record.artifactType == nil || [MediaType.ociImageConfig.essence, MediaType.dockerImageConfig.essence].contains(record.artifactType?.essence) {
            kind = .image
        } else {
            kind = .other(artifactType: record.artifactType)
        }
        return ArtifactListing(record: record, tags: tags.sorted { $0.value < $1.value }, kind: kind, children: children,
                               isSigned: signed, isVerified: verified, accessoryCount: accessoryCount)
    }

    /// A page of the Accessories table of `subject` (by tag or digest): its direct accessories
    /// after the accessory `after`, at most `limit`, each with up to `nestedLimit` nested
    /// accessories per level. `.manifestUnknown` for an unknown tag.
    public func accessoryPage(of reference: Reference, in repository: RepositoryName, after: Digest? = nil,
                              limit: Int, nestedLimit: Int = 20) throws(RegistryError) -> AccessoryPage {
        let limit = max(1, min(limit, 500))
        let subject: Digest
        switch reference {
        case .digest(let digest): subject = digest
        case .tag: subject = try manifestRecord(reference, in: repository).digest
        }
        let page = try RegistryError.wrapping { try index.accessoryLinks(of: subject, in: repository, after: after, limit: limit) }
        var visited: Set<Digest> = [subject]
        var rows: [AccessoryRow] = []
        for link in page.items {
            if let row = try row(for: link, in: repository, nestedLimit: nestedLimit, depth: 0, visited: &visited) { rows.append(row) }
        }
        return AccessoryPage(subject: subject, subjectSigned: try isSigned(subject, in: repository), rows: rows,
                             next: page.hasMore ? page.items.last?.accessory : nil)
    }

    /// A row of the Accessories table with its nested rows (depth-bounded, cycles cut).
    private func row(for link: AccessoryLink, in repository: RepositoryName, nestedLimit: Int, depth: Int,
                     visited: inout Set<Digest>) throws(RegistryError) -> AccessoryRow? {
        guard visited.insert(link.accessory).inserted,
              let record = try RegistryError.wrapping({ try index.manifest(link.accessory, in: repository) }) else { return nil }
        let format = (try? Manifest(parsing: try document(of: record), contentType: nil))
            .flatMap { AccessoryClassifier.format(.init(manifest: $0)) }
        var nested: [AccessoryRow] = []
        var moreNested = false
        if depth < 8 {
            let page = try RegistryError.wrapping { try index.accessoryLinks(of: link.accessory, in: repository, after: nil, limit: nestedLimit) }
            moreNested = page.hasMore
            for child in page.items {
                if let row = try row(for: child, in: repository, nestedLimit: nestedLimit, depth: depth + 1, visited: &visited) { nested.append(row) }
            }
        }
        let node = AccessoryNode(
            digest: link.accessory, type: link.type, artifactType: record.artifactType, mediaType: record.mediaType,
            size: record.size, createdAt: record.pushedAt,
            tags: try RegistryError.wrapping { try index.tags(of: link.accessory, in: repository) }.sorted { $0.value < $1.value },
            linkedBySubjectField: link.viaSubjectField, linkedByTagScheme: link.viaTagScheme,
            accessories: nested.map(\.node))
        return AccessoryRow(node: node, format: format, nested: nested, moreNested: moreNested)
    }

    /// A page of the repositories of project `project` (`library`: single-segment names) whose
    /// name contains `filter`, in name order, after `after`, at most `limit`, with their figures.
    public func projectRepositories(_ project: String, filter: String? = nil, after: String? = nil,
                                    limit: Int) throws(RegistryError) -> Page<RepositoryListing> {
        let limit = max(1, min(limit, 500))
        let isLibrary = project == Project.library
        let prefix = isLibrary ? "" : "\(project)/"
        var last = after ?? (isLibrary ? nil : prefix)
        var items: [RepositoryListing] = []
        let needle = filter?.lowercased() ?? ""
        while true {
            let page = try catalog(after: last, limit: 200)
            for name in page.items {
                if !isLibrary, !name.value.hasPrefix(prefix) { return Page(items: items, hasMore: false) }
                guard isLibrary ? name.components.count == 1 : true else { continue }
                guard needle.isEmpty || name.value.lowercased().contains(needle) else { continue }
                if items.count == limit { return Page(items: items, hasMore: true) }
                if let figures = try RegistryError.wrapping({ try index.figures(of: name) }) {
                    items.append(RepositoryListing(name: name, figures: figures))
                }
            }
            guard page.hasMore, let next = page.items.last?.value else { return Page(items: items, hasMore: false) }
            last = next
        }
    }

    /// The projects `principal` may see (nil: the anonymous mode, where everything is
    /// visible), with the viewer's role, repository count and bytes, by name. Project records
    /// and the names repositories carry are both listed. Costs a walk of the catalog and of
    /// each visible repository's manifests and links.
    public func projectListings(visibleTo principal: Principal?) throws(RegistryError) -> [ProjectListing] {
        // One walk of the catalog groups the repositories by project.
        var repositories: [String: [RepositoryName]] = [:]
        var last: String?
        while true {
            let page = try catalog(after: last, limit: 1000)
            for name in page.items { repositories[Project.name(of: name), default: []].append(name) }
            guard page.hasMore, let next = page.items.last?.value else { break }
            last = next
        }
        for project in try access.projects() where repositories[project.name] == nil { repositories[project.name] = [] }
        var listings: [ProjectListing] = []
        for (name, names) in repositories.sorted(by: { $0.key < $1.key }) {
            if let principal, try !access.maySee(project: name, principal) { continue }
            let role = try principal?.name.flatMap { user throws(RegistryError) in try access.role(of: user, in: name) }
            var bytes: Int64 = 0
            for repository in names { bytes += try figures(of: repository)?.linkedBytes ?? 0 }
            listings.append(ProjectListing(name: name, project: try access.project(name), role: role, repositories: names.count, linkedBytes: bytes))
        }
        return listings
    }

    /// The figures of one repository, or nil when it does not exist.
    public func figures(of repository: RepositoryName) throws(RegistryError) -> RepositoryFigures? {
        try RegistryError.wrapping { try index.figures(of: repository) }
    }
}

extension ManifestCatalog {
    /// Whether the repository exists (costs one key lookup).
    func repositoryExists(_ repository: RepositoryName) throws -> Bool {
        try tags(in: repository, after: nil, limit: 0) != nil
    }
}
