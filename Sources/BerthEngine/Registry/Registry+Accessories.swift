import BerthModel
import Foundation

/// Accessories: the signatures, attestations and SBOMs that belong to an artifact.
extension Registry {
    /// The accessory tree of an artifact (by tag or digest). Accessories pushed before their
    /// subject are listed too; a subject that is not stored yet gives its accessories all the same.
    public func accessories(of reference: Reference, in repository: RepositoryName) throws(RegistryError) -> [AccessoryNode] {
        let subject: Digest
        switch reference {
        case .digest(let digest): subject = digest
        case .tag: subject = try manifestRecord(reference, in: repository).digest
        }
        return try RegistryError.wrapping {
            var visited: Set<Digest> = [subject]
            return try accessoryTree(of: subject, in: repository, visited: &visited)
        }
    }

    private func accessoryTree(of subject: Digest, in repository: RepositoryName, visited: inout Set<Digest>) throws -> [AccessoryNode] {
        var nodes: [AccessoryNode] = []
        for link in try index.accessoryLinks(of: subject, in: repository).sorted(by: { $0.linkedAt < $1.linkedAt }) {
            guard visited.insert(link.accessory).inserted,
                  let record = try index.manifest(link.accessory, in: repository) else { continue }
            nodes.append(AccessoryNode(
                digest: link.accessory, type: link.type, artifactType: record.artifactType, mediaType: record.mediaType,
                size: record.size, createdAt: record.pushedAt,
                tags: try index.tags(of: link.accessory, in: repository).sorted { $0.value < $1.value },
                linkedBySubjectField: link.viaSubjectField, linkedByTagScheme: link.viaTagScheme,
                accessories: try accessoryTree(of: link.accessory, in: repository, visited: &visited)))
        }
        return nodes
    }

    /// Whether an artifact carries a signature accessory (cosign or Notation), has a tag signed
    /// through Docker Content Trust (the repository's TUF targets name it with its hash and
    /// length), or is a child of an index that is signed (cosign signs the index of a
    /// multi-platform image).
    public func isSigned(_ digest: Digest, in repository: RepositoryName) throws(RegistryError) -> Bool {
        try RegistryError.wrapping {
            var visited: Set<Digest> = []
            return try signed(digest, in: repository, visited: &visited)
        }
    }

    private func signed(_ digest: Digest, in repository: RepositoryName, visited: inout Set<Digest>) throws -> Bool {
        guard visited.insert(digest).inserted else { return false }
        if try index.hasAccessory(of: digest, in: repository, where: \.isSignature) { return true }
        // Docker Content Trust: a tag of it signed in the repository's TUF targets.
        if let record = try index.manifest(digest, in: repository), try !trustSigners(of: record).isEmpty { return true }
        for parent in try index.parents(of: digest, in: repository) where try signed(parent, in: repository, visited: &visited) {
            return true
        }
        return false
    }

    /// Every artifact of a repository with its tags, whether it is an accessory, whether it is
    /// signed (and, with trusted keys configured, verified), and how many accessories it has;
    /// newest first.
    public func artifacts(in repository: RepositoryName) async throws(RegistryError) -> [ArtifactSummary] {
        let records = try RegistryError.wrapping { try index.manifests(in: repository) }
        let checkKeys = !policies.trustedKeys.isEmpty
        var summaries: [ArtifactSummary] = []
        for record in records {
            let signed = try isSigned(record.digest, in: repository)
            let verified: Bool? = checkKeys ? (signed ? try await hasVerifiedSignature(record.digest, in: repository) : false) : nil
            summaries.append(try RegistryError.wrapping {
                ArtifactSummary(
                    record: record,
                    tags: try index.tags(of: record.digest, in: repository).sorted { $0.value < $1.value },
                    isAccessory: !(try index.subjects(ofAccessory: record.digest, in: repository)).isEmpty,
                    isSigned: signed, isVerified: verified,
                    accessoryCount: try index.accessoryLinks(of: record.digest, in: repository).count)
            })
        }
        return summaries.sorted { $0.record.pushedAt > $1.record.pushedAt }
    }
}
