import Foundation

/// A change event-based replication acts on, recorded in the outbox by the transaction that
/// made the change (so a crash never loses one): a manifest pushed, or manifests deleted by
/// the API, the CLI, the interface or retention, or a tag deleted alone. Garbage collection records none: it removes
/// only what nothing references, and propagates nothing.
public struct ReplicationEvent: Sendable, Codable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable, Codable {
        /// A manifest was pushed (by tag or digest).
        case push
        /// A manifest was deleted with its accessories.
        case delete
        /// A tag was deleted, its manifest kept (`subjectTags` holds the tag).
        case untag
    }

    /// What happened.
    public var kind: Kind
    /// The repository it happened in.
    public var repository: String
    /// The manifest pushed, or the one whose delete was asked for.
    public var digest: String
    /// For a delete of an accessory: the subject it hung from directly (nil for a subject).
    public var subject: String?
    /// For a delete: the tags of the subject at the top of the deleted manifest's accessory
    /// chain (itself when it was no accessory) as they were before the delete; a rule's
    /// filters judge the delete by them.
    public var subjectTags: [String]
    /// For a delete: every manifest removed, the deepest accessory first and the deleted
    /// manifest last (the order a destination without cascading deletes needs).
    public var removed: [String]
    /// When it happened.
    public var at: Date

    /// An event.
    public init(kind: Kind, repository: String, digest: String, subject: String? = nil, subjectTags: [String] = [],
                removed: [String] = [], at: Date) {
        self.kind = kind
        self.repository = repository
        self.digest = digest
        self.subject = subject
        self.subjectTags = subjectTags
        self.removed = removed
        self.at = at
    }
}
