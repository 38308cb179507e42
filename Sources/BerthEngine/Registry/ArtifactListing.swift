import BerthModel
import Foundation

/// What an artifact is, as a listing shows it.
public enum ArtifactKind: Sendable, Hashable {
    /// A runnable image (an image manifest with an image config).
    case image
    /// A multi-platform index, with its children.
    case index
    /// Any other artifact, with its artifact type when it has one.
    case other(artifactType: MediaType?)
}

/// A child of an index as its listing entry shows it.
public struct IndexChild: Sendable, Hashable {
    /// The child manifest's digest.
    public let digest: Digest
    /// Its platform, when the index gives one.
    public let platform: Platform?
    /// Its size.
    public let size: Int64
    /// Whether it carries a signature of its own or through the index.
    public let isSigned: Bool
}

/// One artifact of a repository as a listing shows it: what it is, its tags, whether it is
/// signed (and verified against a trusted key), and how many accessories hang below it.
public struct ArtifactListing: Sendable, Hashable {
    /// The manifest's record (digest, media type, size, push time, …).
    public let record: ManifestRecord
    /// Its tags, in lexical order.
    public let tags: [Tag]
    /// What it is.
    public let kind: ArtifactKind
    /// For an index, its children in index order; empty otherwise.
    public let children: [IndexChild]
    /// Whether it carries a signature accessory (or is a child of a signed index).
    public let isSigned: Bool
    /// Whether one of those signatures verifies against a trusted key; nil when no key is configured.
    public let isVerified: Bool?
    /// How many accessories hang directly below it.
    public let accessoryCount: Int
}

/// A page of a repository's artifacts.
public struct ArtifactPage: Sendable, Hashable {
    /// The artifacts of the page, newest push first (or, filtered by tag, in tag order).
    public let artifacts: [ArtifactListing]
    /// Where the next page starts (pass it as `after`); nil on the last page.
    public let next: String?
}

/// One accessory in a paged Accessories table, with its nested accessories.
public struct AccessoryRow: Sendable, Hashable {
    /// The accessory's node (digest, type, size, created time, tags, nested accessories).
    public let node: AccessoryNode
    /// Its envelope or document format where the engine knows it (`simple signing`, `JWS`, …).
    public let format: String?
    /// Its nested accessories, as rows (a signature of an SBOM under the SBOM).
    public let nested: [AccessoryRow]
    /// Whether more nested accessories exist than `nested` holds.
    public let moreNested: Bool
}

/// A page of an artifact's Accessories table.
public struct AccessoryPage: Sendable, Hashable {
    /// The subject's digest.
    public let subject: Digest
    /// Whether the subject is signed now.
    public let subjectSigned: Bool
    /// The rows, in accessory-digest order.
    public let rows: [AccessoryRow]
    /// Where the next page starts (an accessory digest to pass as `after`); nil on the last page.
    public let next: Digest?
}

/// A repository as a project's listing shows it.
public struct RepositoryListing: Sendable, Hashable {
    /// Its name.
    public let name: RepositoryName
    /// Its figures (manifests, last push, linked bytes).
    public let figures: RepositoryFigures
}

/// A project as the projects listing shows it.
public struct ProjectListing: Sendable, Equatable {
    /// The project's name (`library` for single-segment repository names).
    public let name: String
    /// Its record; nil for a name that only repositories carry (administrators only).
    public let project: Project?
    /// The viewer's role in it, if a member.
    public let role: ProjectRole?
    /// How many repositories it holds.
    public let repositories: Int
    /// The bytes its repositories' blob links name (a blob shared by two repositories counts twice).
    public let linkedBytes: Int64
}
