import BerthModel
import Foundation

/// The registry's administration, written once: artifacts and their accessory trees, deletes,
/// garbage collection, retention runs, policies and the audit log. The HTTP admin API, the
/// local CLI (`berth … --root`), the server's schedule and every later caller (the web
/// interface, replication) go through it, so each operation decides and audits the same way
/// whoever calls: every change it makes is written to the audit log with its actor.
///
/// Reached as `registry.administration`. Accounts, robots and projects are `registry.access`'s
/// (see `AccessControl+Administration.swift` for their documents).
public struct RegistryAdministration<Store: BlobStore>: Sendable {
    /// The engine administered.
    public let registry: Registry<Store>

    /// The administration of `registry`.
    public init(registry: Registry<Store>) { self.registry = registry }

    // MARK: Reading

    /// The rules and policies in force.
    public func policies() -> RegistryPolicies { registry.policies }

    /// Every artifact of a repository, newest first.
    public func artifacts(in repository: RepositoryName) async throws(RegistryError) -> [AdminModels.Artifact] {
        try await registry.artifacts(in: repository).map(AdminModels.Artifact.init)
    }

    /// The accessory tree of an artifact by tag or digest (`.manifestUnknown` for an unknown tag).
    public func accessoryTree(of reference: Reference, in repository: RepositoryName) throws(RegistryError) -> AdminModels.AccessoryTree {
        let subject = try self.subject(reference, in: repository)
        return AdminModels.AccessoryTree(
            repository: repository.value, subject: subject.description,
            signed: try registry.isSigned(subject, in: repository),
            accessories: try registry.accessories(of: .digest(subject), in: repository).map(AdminModels.Accessory.init))
    }

    /// The newest `limit` audit events, oldest first.
    public func auditLog(limit: Int) throws(RegistryError) -> [AuditEvent] {
        try registry.access.auditLog(limit: max(0, limit))
    }

    // MARK: Changing

    /// Replaces the rules and policies (`.invalidPolicy` when they do not hold together).
    public func setPolicies(_ policies: RegistryPolicies, by actor: AuditActor) async throws(RegistryError) -> RegistryPolicies {
        try await registry.setPolicies(policies)
        await registry.access.audit(AuditEvent(actor: actor.name, action: "policy", detail: "policies replaced"))
        return registry.policies
    }

    /// Deletes an artifact with its accessories (refused by immutability rules).
    public func deleteArtifact(_ digest: Digest, in repository: RepositoryName, by actor: AuditActor) async throws(RegistryError) -> AdminModels.Removed {
        let removed = try await registry.deleteManifest(digest, in: repository)
        return await audited(removed, digest, in: repository, by: actor)
    }

    /// Deletes one accessory of an artifact (with its own accessories and tag-scheme tags).
    /// Refused with `.invalidPolicy`, removing nothing, when `accessory` is not an accessory,
    /// direct or nested, of the artifact `reference` names: a delete by accessory never takes
    /// the subject itself, or an artifact of another subject.
    public func deleteAccessory(_ accessory: Digest, of reference: Reference, in repository: RepositoryName,
                                by actor: AuditActor) async throws(RegistryError) -> AdminModels.Removed {
        // The check is the rule's, in the deleting transaction (`MetadataIndex.deleteAccessory`).
        let removed = try await registry.deleteAccessory(accessory, of: try subject(reference, in: repository), in: repository)
        return await audited(removed, accessory, in: repository, by: actor)
    }

    /// Deletes one tag; the artifact stays, reachable by digest (refused by immutability rules,
    /// `.manifestUnknown` for a tag that does not exist).
    public func deleteTag(_ tag: Tag, in repository: RepositoryName, by actor: AuditActor) async throws(RegistryError) {
        try await registry.deleteTag(tag, in: repository)
        await registry.access.audit(AuditEvent(actor: actor.name, action: "tag-delete", repository: repository.value, detail: tag.value))
    }

    /// Audits a delete of `digest` and says what went.
    private func audited(_ removed: [Digest], _ digest: Digest, in repository: RepositoryName, by actor: AuditActor) async -> AdminModels.Removed {
        await registry.access.audit(AuditEvent(actor: actor.name, action: "delete", repository: repository.value, digest: digest.description))
        return AdminModels.Removed(removed: removed.map(\.description))
    }

    /// Runs a garbage collection with the configured options (`untagged` overrides whether
    /// untagged manifests go). A run that changes the store is audited.
    public func collectGarbage(dryRun: Bool, untagged: Bool? = nil, by actor: AuditActor,
                               progress: @Sendable (String) -> Void = { _ in }) async throws(RegistryError) -> GarbageCollectionReport {
        var options = registry.policies.garbageCollection.options(dryRun: dryRun)
        if let untagged { options.collectUntagged = untagged }
        let report = try await GarbageCollector(registry: registry).run(options, progress: progress)
        if !dryRun {
            await registry.access.audit(AuditEvent(actor: actor.name, action: "gc",
                                                   detail: "\(report.manifests.count) manifests, \(report.blobs.count) blobs"))
        }
        return report
    }

    /// Applies the retention rules. A run that changes the store is audited.
    public func runRetention(dryRun: Bool, by actor: AuditActor) async throws(RegistryError) -> RetentionReport {
        let report = try await registry.runRetention(dryRun: dryRun)
        if !dryRun { await registry.access.audit(AuditEvent(actor: actor.name, action: "retention", detail: "\(report.tags.count) tags")) }
        return report
    }

    /// The digest a reference names in `repository` (a digest names itself).
    private func subject(_ reference: Reference, in repository: RepositoryName) throws(RegistryError) -> Digest {
        switch reference {
        case .digest(let digest): digest
        case .tag: try registry.manifestRecord(reference, in: repository).digest
        }
    }
}

extension Registry {
    /// The registry's administration (see `RegistryAdministration`).
    public var administration: RegistryAdministration<Store> { RegistryAdministration(registry: self) }
}
