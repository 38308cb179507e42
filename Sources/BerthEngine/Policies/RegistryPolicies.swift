import BerthModel
import Foundation

/// Every rule and policy of a registry, kept in the index (survives restarts) and applied by
/// a running engine as soon as it is changed (no restart).
public struct RegistryPolicies: Sendable, Codable, Equatable {
    /// Tags that may not be moved or deleted, nor their manifests or accessories.
    public var immutability: [ImmutabilityRule] = []
    /// Which tags a retention run keeps.
    public var retention: [RetentionRule] = []
    /// Repositories whose artifacts must be signed before they can be pulled.
    public var signedOnly: [SignedOnlyPolicy] = []
    /// How garbage collection runs.
    public var garbageCollection = GarbageCollectionPolicy()
    /// Public keys a `verified` signed-only policy accepts.
    public var trustedKeys: [TrustedKey] = []

    /// No rules; GC with its defaults.
    public init() {}

    /// The immutability rule protecting `tag` in `repository`, if any. Cosign tag-scheme tags
    /// never match: an accessory follows its subject.
    public func immutabilityRule(for tag: Tag, in repository: RepositoryName) -> ImmutabilityRule? {
        guard AccessoryClassifier.tagSchemeSubject(tag) == nil else { return nil }
        return immutability.first { $0.repositories.matches(repository.value) && $0.tags.matches(tag.value) }
    }

    /// The signed-only policy covering `repository`, if any.
    public func signedOnlyPolicy(for repository: RepositoryName) -> SignedOnlyPolicy? {
        signedOnly.first { $0.repositories.matches(repository.value) }
    }

    /// Why these policies cannot work as written (empty when they can): unusable keys,
    /// retention rules that keep by nothing, a verified policy with no key to verify with.
    public var problems: [String] {
        var found: [String] = []
        for key in trustedKeys where !SignatureVerifier.isUsablePublicKey(key.publicKeyPEM) {
            found.append("trusted key \(key.name) is not a PEM public key libcrypto can read")
        }
        for rule in retention where rule.keepLatest == nil && rule.keepWithinDays == nil {
            found.append("retention rule for \(rule.repositories) needs keepLatest or keepWithinDays")
        }
        for rule in retention {
            if let keep = rule.keepLatest, keep < 0 { found.append("retention rule for \(rule.repositories): keepLatest must not be negative") }
            if let days = rule.keepWithinDays, days < 0 { found.append("retention rule for \(rule.repositories): keepWithinDays must not be negative") }
        }
        if signedOnly.contains(where: { $0.level == .verified }) && trustedKeys.isEmpty {
            found.append("a verified signed-only policy needs at least one trusted key")
        }
        if garbageCollection.untaggedGraceSeconds < 0 || garbageCollection.blobGraceSeconds < 0 || (garbageCollection.intervalSeconds ?? 1) <= 0 {
            found.append("garbage collection graces must not be negative and the interval must be positive")
        }
        return found
    }

    /// The policies decoded, accepting missing sections (older documents) as their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        immutability = try container.decodeIfPresent([ImmutabilityRule].self, forKey: .immutability) ?? []
        retention = try container.decodeIfPresent([RetentionRule].self, forKey: .retention) ?? []
        signedOnly = try container.decodeIfPresent([SignedOnlyPolicy].self, forKey: .signedOnly) ?? []
        garbageCollection = try container.decodeIfPresent(GarbageCollectionPolicy.self, forKey: .garbageCollection) ?? GarbageCollectionPolicy()
        trustedKeys = try container.decodeIfPresent([TrustedKey].self, forKey: .trustedKeys) ?? []
    }
}

/// Tags matching `tags` in repositories matching `repositories` are immutable.
public struct ImmutabilityRule: Sendable, Codable, Equatable {
    /// Repository names the rule covers (glob: `*`, `**`, `?`).
    public var repositories: GlobPattern
    /// Tags the rule covers.
    public var tags: GlobPattern

    /// A rule.
    public init(repositories: String, tags: String) {
        self.repositories = GlobPattern(repositories)
        self.tags = GlobPattern(tags)
    }
}

/// Keep the `keepLatest` most recently pushed matching tags, and/or those pushed within
/// `keepWithinDays`; a retention run removes the other matching tags (and the manifests left
/// without a tag, with their accessories). Immutable tags are never touched.
public struct RetentionRule: Sendable, Codable, Equatable {
    /// Repository names the rule covers.
    public var repositories: GlobPattern
    /// Tags the rule covers (others are left alone).
    public var tags: GlobPattern
    /// Keep this many of the most recently pushed matching tags.
    public var keepLatest: Int?
    /// Keep matching tags pushed within this many days.
    public var keepWithinDays: Int?

    /// A rule.
    public init(repositories: String, tags: String = "**", keepLatest: Int? = nil, keepWithinDays: Int? = nil) {
        self.repositories = GlobPattern(repositories)
        self.tags = GlobPattern(tags)
        self.keepLatest = keepLatest
        self.keepWithinDays = keepWithinDays
    }
}

/// Artifacts of repositories matching `repositories` must be signed before they can be pulled.
public struct SignedOnlyPolicy: Sendable, Codable, Equatable {
    /// How strong the signature must be.
    public enum Level: String, Sendable, Codable {
        /// Any cosign or Notation signature accessory (as Harbor does).
        case present
        /// A signature that verifies against one of the trusted keys and names the subject's digest.
        case verified
    }

    /// Repository names the policy covers.
    public var repositories: GlobPattern
    /// The level required.
    public var level: Level

    /// A policy.
    public init(repositories: String, level: Level = .present) {
        self.repositories = GlobPattern(repositories)
        self.level = level
    }
}

/// How garbage collection runs.
public struct GarbageCollectionPolicy: Sendable, Codable, Equatable {
    /// Collect untagged manifests older than the grace (off by default: people deploy by digest).
    public var collectUntagged = false
    /// Grace for the untagged rule, seconds.
    public var untaggedGraceSeconds = 86_400
    /// Grace for unreferenced blobs, seconds.
    public var blobGraceSeconds = 3600
    /// Run inside `berth serve` every this many seconds (nil: only on demand).
    public var intervalSeconds: Int?

    /// The defaults.
    public init() {}

    /// Collector options from this policy.
    public func options(dryRun: Bool) -> GarbageCollectionOptions {
        GarbageCollectionOptions(dryRun: dryRun, collectUntagged: collectUntagged,
                                 untaggedGrace: .seconds(untaggedGraceSeconds), blobGrace: .seconds(blobGraceSeconds))
    }
}

/// A public key a `verified` policy trusts.
public struct TrustedKey: Sendable, Codable, Equatable {
    /// A name for messages and listings.
    public var name: String
    /// The key, PEM (`-----BEGIN PUBLIC KEY-----`), ECDSA P-256 or any key libcrypto reads.
    public var publicKeyPEM: String

    /// A key.
    public init(name: String, publicKeyPEM: String) {
        self.name = name
        self.publicKeyPEM = publicKeyPEM
    }
}
