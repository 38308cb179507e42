import BerthModel
import Foundation

/// The JSON documents of the admin API (`/admin/v1`), written by `RegistryAdministration`. The
/// HTTP layer encodes them and the CLI decodes the same types, local or `--url`, so the two
/// cannot drift apart.
public enum AdminModels {
    /// An artifact of a repository.
    public struct Artifact: Codable, Sendable, Equatable {
        /// The digest.
        public var digest: String
        /// The media type.
        public var mediaType: String
        /// The artifact type, if any.
        public var artifactType: String?
        /// Length in bytes.
        public var size: Int64
        /// When it was pushed.
        public var pushedAt: Date
        /// Tags naming it.
        public var tags: [String]
        /// Carries a signature accessory (or is a child of a signed index).
        public var signed: Bool
        /// A signature verifies against a trusted key (absent when no key is configured).
        public var verified: Bool?
        /// Is itself an accessory of another artifact.
        public var accessory: Bool
        /// Number of accessories directly below it.
        public var accessories: Int

        /// The listing entry of an engine summary.
        public init(_ summary: ArtifactSummary) {
            self.init(summary.record, tags: summary.tags, signed: summary.isSigned, verified: summary.isVerified,
                      accessory: summary.isAccessory, accessories: summary.accessoryCount)
        }

        /// The listing entry of an engine page's artifact.
        public init(_ listing: ArtifactListing) {
            self.init(listing.record, tags: listing.tags, signed: listing.isSigned, verified: listing.isVerified,
                      accessory: false, accessories: listing.accessoryCount)
        }

        private init(_ record: ManifestRecord, tags: [Tag], signed: Bool, verified: Bool?, accessory: Bool, accessories: Int) {
            digest = record.digest.description
            mediaType = record.mediaType.rawValue
            artifactType = record.artifactType?.rawValue
            size = record.size
            pushedAt = record.pushedAt
            self.tags = tags.map(\.value)
            self.signed = signed
            self.verified = verified
            self.accessory = accessory
            self.accessories = accessories
        }
    }

    /// A page of a repository's artifacts (`GET …/artifacts?n=`): the artifacts a listing
    /// shows (no accessories, no index children without tags of their own), newest push first.
    public struct ArtifactPage: Codable, Sendable, Equatable {
        /// The page's artifacts.
        public var artifacts: [Artifact]
        /// Pass as `last` for the next page; absent on the last page.
        public var next: String?

        /// The JSON form of an engine page.
        public init(_ page: BerthEngine.ArtifactPage) {
            artifacts = page.artifacts.map(Artifact.init)
            next = page.next
        }
    }

    /// A page of an artifact's accessories (`GET …/accessories/<reference>?n=`), in
    /// accessory-digest order, each with its nested accessories.
    public struct AccessoryPage: Codable, Sendable, Equatable {
        /// The subject's digest.
        public var subject: String
        /// Whether it is signed.
        public var signed: Bool
        /// The page's accessories.
        public var accessories: [Accessory]
        /// Pass as `last` for the next page; absent on the last page.
        public var next: String?

        /// The JSON form of an engine page.
        public init(_ page: BerthEngine.AccessoryPage) {
            subject = page.subject.description
            signed = page.subjectSigned
            accessories = page.rows.map { Accessory($0.node) }
            next = page.next?.description
        }
    }

    /// An accessory and the accessories below it.
    public struct Accessory: Codable, Sendable, Equatable {
        /// The digest.
        public var digest: String
        /// What kind of accessory it is (`signature.cosign`, `sbom`, …).
        public var type: String
        /// The artifact type, if any.
        public var artifactType: String?
        /// The media type.
        public var mediaType: String
        /// Length in bytes.
        public var size: Int64
        /// When it was created.
        public var createdAt: Date
        /// Tags naming it.
        public var tags: [String]
        /// How it is linked: `subject`, `tag`, or both.
        public var linkedBy: [String]
        /// Accessories below it.
        public var accessories: [Accessory]

        /// The JSON form of an engine node.
        public init(_ node: AccessoryNode) {
            digest = node.digest.description
            type = node.type.rawValue
            artifactType = node.artifactType?.rawValue
            mediaType = node.mediaType.rawValue
            size = node.size
            createdAt = node.createdAt
            tags = node.tags.map(\.value)
            linkedBy = (node.linkedBySubjectField ? ["subject"] : []) + (node.linkedByTagScheme ? ["tag"] : [])
            accessories = node.accessories.map(Accessory.init)
        }
    }

    /// The accessory tree of one subject.
    public struct AccessoryTree: Codable, Sendable, Equatable {
        /// The repository.
        public var repository: String
        /// The subject's digest.
        public var subject: String
        /// Whether it carries a signature accessory.
        public var signed: Bool
        /// Accessories below it.
        public var accessories: [Accessory]

        /// A value from its parts.
        public init(repository: String, subject: String, signed: Bool, accessories: [Accessory]) {
            self.repository = repository
            self.subject = subject
            self.signed = signed
            self.accessories = accessories
        }
    }

    /// What a delete removed.
    public struct Removed: Codable, Sendable, Equatable {
        /// What was removed.
        public var removed: [String]
        /// A value from its parts.
        public init(removed: [String]) { self.removed = removed }
    }

    /// The encoder the API and the CLI use: ISO 8601 dates, sorted keys.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }

    /// The matching decoder.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
