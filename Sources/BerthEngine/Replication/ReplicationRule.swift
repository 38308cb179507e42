import BerthModel
import Foundation

/// A replication rule: which subjects go where, when, and what happens at the destination.
/// A subject is selected by its repository and tags; its accessories (signatures, SBOMs,
/// attestations) follow it whatever their own tags are (`ReplicationPlan`).
public struct ReplicationRule: Sendable, Codable, Equatable {
    /// Which way the content goes.
    public enum Mode: String, Sendable, Codable {
        /// This registry to the endpoint.
        case push
        /// The endpoint to this registry.
        case pull
    }

    /// How much signing a subject needs before it is replicated (the levels of the signed-only
    /// pull policy).
    public enum SignedOnly: String, Sendable, Codable {
        /// No requirement.
        case off
        /// At least one signature accessory.
        case present
        /// A signature that verifies against one of the trusted keys.
        case verified
    }

    /// What to do when the destination already holds a different manifest under a tag.
    public enum Conflict: String, Sendable, Codable {
        /// Move the destination's tag to the replicated manifest.
        case override
        /// Leave the destination's tag (and skip that subject).
        case skip
    }

    /// How the destination repository is named.
    public enum NamespaceMode: String, Sendable, Codable {
        /// `namespace/` put in front of the source name.
        case prefix
        /// The source name's first segment replaced by `namespace`.
        case replaceFirst
    }

    /// When the rule runs.
    public struct Trigger: Sendable, Codable, Equatable {
        /// The kinds of trigger.
        public enum Kind: String, Sendable, Codable {
            /// Only when asked (`berth replication run`, the admin API).
            case manual
            /// Every `intervalSeconds`, timed from the last run recorded in the index.
            case scheduled
            /// On every push (and, with `propagateDeletes`, delete) of matching content (push mode).
            case event
        }
        /// The kind.
        public var kind: Kind
        /// The interval of a scheduled trigger, seconds.
        public var intervalSeconds: Int?

        /// A trigger.
        public init(kind: Kind, intervalSeconds: Int? = nil) {
            self.kind = kind
            self.intervalSeconds = intervalSeconds
        }

        /// Only when asked.
        public static let manual = Trigger(kind: .manual)
    }

    /// The rule's name (`[a-z0-9][a-z0-9._-]*`, at most 64 characters).
    public var name: String
    /// Push or pull.
    public var mode: Mode
    /// The endpoint's name.
    public var endpoint: String
    /// Source repositories the rule selects (glob).
    public var repositories: GlobPattern
    /// Tags of subjects the rule selects (glob); accessories follow their subject.
    public var tags: GlobPattern
    /// The destination namespace (nil: the source name unchanged).
    public var namespace: String?
    /// How `namespace` applies.
    public var namespaceMode: NamespaceMode
    /// The signing a subject needs before it goes.
    public var signedOnly: SignedOnly
    /// A different manifest under the tag at the destination.
    public var conflict: Conflict
    /// Whether deletes (API, CLI, interface, retention) are replicated too.
    public var propagateDeletes: Bool
    /// When the rule runs.
    public var trigger: Trigger
    /// How many artifacts replicate at once.
    public var concurrency: Int
    /// Whether the rule runs at all (a disabled rule keeps its history).
    public var enabled: Bool

    /// A rule.
    public init(name: String, mode: Mode, endpoint: String, repositories: String = "**", tags: String = "**",
                namespace: String? = nil, namespaceMode: NamespaceMode = .prefix, signedOnly: SignedOnly = .off,
                conflict: Conflict = .override, propagateDeletes: Bool = false, trigger: Trigger = .manual,
                concurrency: Int = 4, enabled: Bool = true) {
        self.name = name
        self.mode = mode
        self.endpoint = endpoint
        self.repositories = GlobPattern(repositories)
        self.tags = GlobPattern(tags)
        self.namespace = namespace
        self.namespaceMode = namespaceMode
        self.signedOnly = signedOnly
        self.conflict = conflict
        self.propagateDeletes = propagateDeletes
        self.trigger = trigger
        self.concurrency = concurrency
        self.enabled = enabled
    }

    /// A rule document, every field but `mode` and `endpoint` defaulted when absent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // The admin API names a rule by its path: the document may leave the name out.
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        mode = try c.decode(Mode.self, forKey: .mode)
        endpoint = try c.decode(String.self, forKey: .endpoint)
        repositories = try c.decodeIfPresent(GlobPattern.self, forKey: .repositories) ?? GlobPattern("**")
        tags = try c.decodeIfPresent(GlobPattern.self, forKey: .tags) ?? GlobPattern("**")
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
        namespaceMode = try c.decodeIfPresent(NamespaceMode.self, forKey: .namespaceMode) ?? .prefix
        signedOnly = try c.decodeIfPresent(SignedOnly.self, forKey: .signedOnly) ?? .off
        conflict = try c.decodeIfPresent(Conflict.self, forKey: .conflict) ?? .override
        propagateDeletes = try c.decodeIfPresent(Bool.self, forKey: .propagateDeletes) ?? false
        trigger = try c.decodeIfPresent(Trigger.self, forKey: .trigger) ?? .manual
        concurrency = try c.decodeIfPresent(Int.self, forKey: .concurrency) ?? 4
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
    }

    /// Whether the rule acts on the outbox: an enabled push rule triggered by events or
    /// propagating deletes. While one does, the registry records every push and delete.
    public var needsEvents: Bool {
        enabled && mode == .push && (trigger.kind == .event || propagateDeletes)
    }

    /// The largest `concurrency` a rule may ask for.
    public static let maximumConcurrency = 64

    /// What is wrong with the rule, each message naming its field (empty: nothing).
    public var problems: [String] {
        var found: [String] = []
        if !ReplicationEndpoint.isValidName(name) {
            found.append("name: \(name.debugDescription) is not a name ([a-z0-9][a-z0-9._-]*, at most 64 characters)")
        }
        if endpoint.isEmpty { found.append("endpoint: may not be empty") }
        if let namespace {
            if (try? RepositoryName(parsing: namespace)) == nil {
                found.append("namespace: \(namespace.debugDescription) is not a repository name")
            } else if namespaceMode == .replaceFirst && namespace.contains("/") {
                found.append("namespace: replaceFirst takes one segment, not \(namespace.debugDescription)")
            }
        }
        if !(1...Self.maximumConcurrency).contains(concurrency) {
            found.append("concurrency: must be between 1 and \(Self.maximumConcurrency), not \(concurrency)")
        }
        if signedOnly == .verified && mode == .pull {
            found.append("signedOnly: verified checks signatures against this registry's trusted keys once the content is here; a pull rule takes off or present")
        }
        switch trigger.kind {
        case .scheduled:
            if (trigger.intervalSeconds ?? 0) <= 0 { found.append("trigger.intervalSeconds: a scheduled rule needs a positive interval") }
        case .event:
            if mode == .pull { found.append("trigger.kind: event triggers replicate pushes of this registry: mode must be push") }
            if trigger.intervalSeconds != nil { found.append("trigger.intervalSeconds: only a scheduled rule has an interval") }
        case .manual:
            if trigger.intervalSeconds != nil { found.append("trigger.intervalSeconds: only a scheduled rule has an interval") }
        }
        return found
    }

    /// Whether `tag` selects its manifest as a subject: it matches the tag filter and names no
    /// accessory (cosign's tag scheme, the referrers tag schema): accessories follow their
    /// subject and never select one themselves.
    public func selectsSubject(taggedWith tag: Tag) -> Bool {
        AccessoryClassifier.tagSchemeSubject(tag) == nil && ReferrersTagSchema.subject(of: tag) == nil && tags.matches(tag.value)
    }

    /// Whether the rule selects a subject in `repository` tagged `tag` (untagged subjects:
    /// only when the tag filter matches every tag, `**` or `*`).
    public func selects(repository: RepositoryName, tags subjectTags: [Tag]) -> Bool {
        guard repositories.matches(repository.value) else { return false }
        if subjectTags.isEmpty { return tags.pattern == "**" || tags.pattern == "*" }
        return subjectTags.contains { tags.matches($0.value) }
    }

    /// The repository a source repository replicates to; `.invalidName` when the namespace
    /// makes the name too long.
    public func destination(of repository: RepositoryName) throws(ValidationError) -> RepositoryName {
        guard let namespace else { return repository }
        let name: String
        switch namespaceMode {
        case .prefix:
            name = "\(namespace)/\(repository.value)"
        case .replaceFirst:
            let rest = repository.value.split(separator: "/", maxSplits: 1).dropFirst().first.map { "/\($0)" } ?? ""
            name = namespace + rest
        }
        return try RepositoryName(parsing: name)
    }
}
