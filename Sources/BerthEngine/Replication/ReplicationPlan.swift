import BerthModel
import Foundation

/// The rule of what travels with a subject, and in what order: for an index its child
/// manifests first (each with its own tree), then the subject's blobs, the subject, then each
/// of its accessories, recursively (a signature of an SBOM follows the SBOM), each after its
/// subject. A destination that refuses a referrer whose subject is missing therefore accepts
/// every step. Written once; push and pull, manual, scheduled and event runs all use it.
public struct ReplicationPlan: Sendable {
    /// One manifest to send, after the blobs it needs.
    public struct Step: Sendable {
        /// The manifest.
        public let manifest: ReplicatedManifest
        /// Its parsed form.
        public let parsed: Manifest
        /// The blobs it references (config and layers), each sent before it.
        public let blobs: [Descriptor]
        /// The tags that name it at the destination.
        public let tags: [Tag]
        /// Whether it is an accessory of an earlier step (a signature, an SBOM, …).
        public let isAccessory: Bool

        /// The referrers-API entry of this manifest when it names a subject, as the referrers
        /// tag schema lists it.
        public var referrer: (subject: Digest, descriptor: Descriptor)? {
            parsed.subject.map { ($0.digest, parsed.referrerDescriptor(digest: manifest.digest, size: Int64(manifest.bytes.count))) }
        }
    }

    /// The subject.
    public let subject: Digest
    /// The steps in the order they go.
    public let steps: [Step]

    /// Manifests in the plan.
    public var artifacts: Int { steps.count }
    /// Bytes in the plan: each blob once, and every manifest.
    public var bytes: Int64 {
        var seen = Set<Digest>()
        var total: Int64 = 0
        for step in steps {
            total += Int64(step.manifest.bytes.count)
            for blob in step.blobs where seen.insert(blob.digest).inserted { total += blob.size }
        }
        return total
    }

    /// Whether one of the plan's accessories is a signature (by `AccessoryClassifier`): how a
    /// pull rule's `signedOnly: present` judges a remote subject, whose parents it does not see
    /// (at this registry, `Registry.isSigned` also counts a signed index naming the subject).
    public var carriesSignature: Bool {
        steps.contains { step in
            step.isAccessory && AccessoryClassifier.classify(.init(manifest: step.parsed, tagSuffix: step.tags.lazy.compactMap {
                AccessoryClassifier.tagSchemeSubject($0)?.suffix
            }.first)).isSignature
        }
    }

    /// The plan of `subject` in `repository` at `source`, its tags `tags`. Throws
    /// `ReplicationFailure.missing` when the source lacks a manifest the tree names.
    public static func build(subject: Digest, tags: [Tag], in repository: RepositoryName,
                             from source: any ReplicationSource) async throws -> ReplicationPlan {
        var builder = Builder(source: source, repository: repository)
        try await builder.add(subject, tags: tags, isAccessory: false)
        return ReplicationPlan(subject: subject, steps: builder.steps)
    }

    private struct Builder {
        let source: any ReplicationSource
        let repository: RepositoryName
        var steps: [Step] = []
        var visited: Set<Digest> = []

        mutating func add(_ digest: Digest, tags: [Tag], isAccessory: Bool) async throws {
            guard visited.insert(digest).inserted else { return }
            guard let manifest = try await source.manifest(digest, in: repository) else {
                throw ReplicationFailure.missing("the source has no manifest \(digest) in \(repository)")
            }
            let parsed: Manifest
            do {
                parsed = try Manifest(parsing: manifest.bytes, contentType: manifest.mediaType)
            } catch {
                throw ReplicationFailure.missing("the source's manifest \(digest) in \(repository) does not parse: \(error)")
            }
            for child in parsed.childManifests {
                try await add(child.digest, tags: [], isAccessory: false)
            }
            steps.append(Step(manifest: manifest, parsed: parsed, blobs: parsed.requiredBlobs, tags: tags, isAccessory: isAccessory))
            for accessory in try await source.accessories(of: digest, in: repository) {
                try await add(accessory.digest, tags: accessory.tags, isAccessory: true)
            }
        }
    }
}

/// Why a replication task failed, as its record says it.
public enum ReplicationFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The source lacks what the tree names.
    case missing(String)
    /// The destination answered with an error (its status and the error it sent).
    case destination(String)
    /// The endpoint could not be reached or refused the connection.
    case unreachable(String)
    /// The endpoint refused the credentials.
    case unauthorized(String)

    public var description: String {
        switch self {
        case .missing(let message), .destination(let message), .unreachable(let message), .unauthorized(let message): message
        }
    }
}
