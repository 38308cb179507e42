import BerthModel
import Foundation

/// Rules and policies: kept in the index, cached in memory, applied at once when changed.
extension Registry {
    static var policiesSetting: String { "policies" }

    /// The rules and policies in force.
    public var policies: RegistryPolicies { policyCache.withLock { $0 } }

    /// Replaces the rules and policies; durable when this returns, and in force for the next request.
    /// Refused with `.invalidPolicy` when the policies cannot work (see `RegistryPolicies.problems`).
    public func setPolicies(_ policies: RegistryPolicies) async throws(RegistryError) {
        let problems = policies.problems
        guard problems.isEmpty else { throw .invalidPolicy(problems.joined(separator: "; ")) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try RegistryError.wrapping { try encoder.encode(policies) }
        try await RegistryError.wrapping { try await index.setSetting(Self.policiesSetting, Array(data)) }
        policyCache.withLock { $0 = policies }
    }

    /// Changes the rules and policies in place (read, change, store).
    @discardableResult
    public func updatePolicies(_ change: (inout RegistryPolicies) -> Void) async throws(RegistryError) -> RegistryPolicies {
        var policies = self.policies
        change(&policies)
        try await setPolicies(policies)
        return policies
    }

    static func loadPolicies(from index: any MetadataIndex) throws(RegistryError) -> RegistryPolicies {
        guard let stored = try RegistryError.wrapping({ try index.setting(policiesSetting) }) else { return RegistryPolicies() }
        return try RegistryError.wrapping { try JSONDecoder().decode(RegistryPolicies.self, from: Data(stored)) }
    }

    /// A check of tags against the immutability rules of `repository` as they are now.
    func tagProtection(in repository: RepositoryName) -> @Sendable (Tag) -> String? {
        let policies = self.policies
        return { tag in
            policies.immutabilityRule(for: tag, in: repository).map { rule in
                "tag \(repository):\(tag) is immutable (rule repositories \"\(rule.repositories)\", tags \"\(rule.tags)\")"
            }
        }
    }

    /// Refuses (`.deniedByPolicy`) reading the content of a manifest that a signed-only policy
    /// covers and that is not signed. Accessories are never refused (they are what signs, and
    /// replication reads them), unless they are runnable images themselves: an image that
    /// names a subject is held to the policy like any other, or a subject field would be all
    /// an unsigned image needs to be pulled.
    public func checkPullPolicy(_ record: ManifestRecord) async throws(RegistryError) {
        let repository = record.repository
        guard let policy = policies.signedOnlyPolicy(for: repository) else { return }
        if try isAccessory(record), try !isRunnableImage(record) { return }
        switch policy.level {
        case .present:
            if try isSigned(record.digest, in: repository) { return }
            throw .deniedByPolicy("\(repository)@\(record.digest) is not signed: the signed-only policy for \"\(policy.repositories)\" requires a cosign or Notation signature before it can be pulled")
        case .verified:
            if try await hasVerifiedSignature(record.digest, in: repository) { return }
            throw .deniedByPolicy("\(repository)@\(record.digest) has no verified signature: the signed-only policy for \"\(policy.repositories)\" requires a signature that verifies against one of the \(policies.trustedKeys.count) trusted key(s) and names this digest")
        }
    }

    /// Whether a manifest is an accessory: it names a subject, or a cosign tag-scheme tag
    /// links it to one.
    private func isAccessory(_ record: ManifestRecord) throws(RegistryError) -> Bool {
        if record.subject != nil { return true }
        return try RegistryError.wrapping { try !index.subjects(ofAccessory: record.digest, in: record.repository).isEmpty }
    }

    /// Whether a stored manifest is a runnable image (`Manifest.isRunnableImage`, read from its document).
    private func isRunnableImage(_ record: ManifestRecord) throws(RegistryError) -> Bool {
        let bytes = try document(of: record)
        let manifest = try RegistryError.wrapping { try Manifest(parsing: bytes, contentType: record.mediaType.rawValue) }
        return manifest.isRunnableImage
    }

    /// When the last garbage collection that was not a dry run finished, or nil if none has
    /// (kept in the index, so a schedule survives restarts).
    public func lastCollection() -> Date? {
        guard let stored = try? index.setting(Self.lastCollectionSetting), stored.count == 8 else { return nil }
        var reader = BinaryReader(stored)
        return (try? reader.i64()).map(Date.init(millisecondsSince1970:))
    }

    /// Records that a collection finished at `date`; a failure to record it only means the
    /// schedule may run one collection early.
    func recordCollection(at date: Date) async {
        var value = BinaryWriter(capacity: 8)
        value.i64(date.millisecondsSince1970)
        try? await index.setSetting(Self.lastCollectionSetting, value.bytes)
    }

    static var lastCollectionSetting: String { "gc.last" }
}
