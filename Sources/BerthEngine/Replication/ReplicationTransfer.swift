import BerthModel
import Foundation

/// Sends one plan from a source to a destination, step by step in the plan's order: blobs the
/// destination lacks (asked first, so nothing is sent twice), the manifest by digest or under
/// its tags, and, for a destination without the referrers API, the referrers tag schema's
/// index of each subject kept up to date, so clients there still find the referrers.
struct ReplicationTransfer: Sendable {
    let source: any ReplicationSource
    let destination: any ReplicationDestination
    let sourceRepository: RepositoryName
    let destinationRepository: RepositoryName
    let conflict: ReplicationRule.Conflict
    /// Taken around each read-change-write of the destination repository's referrers tag
    /// schema, so two runs writing there at once never lose a referrer.
    let schemaGate: SerialGate

    /// What a sent plan did.
    struct Outcome: Sendable {
        /// Manifests now at the destination (sent or found there).
        var artifacts = 0
        /// Tags left alone because the destination's named another manifest (`conflict: skip`).
        var keptTags: [Tag] = []
    }

    /// Sends `plan`; `progress` is told of every byte done (sent, or found at the destination).
    func send(_ plan: ReplicationPlan, progress: @Sendable (Int64) -> Void) async throws -> Outcome {
        var outcome = Outcome()
        let keepsReferrers = try await destination.servesReferrersAPI(in: destinationRepository)
        var blobsDone = Set<Digest>()
        for step in plan.steps {
            let digest = step.manifest.digest
            var tags = step.tags
            // An accessory's tags (cosign's `sha256-<hex>.sig`) follow it whatever the rule says
            // about conflicts: they name its subject, which the destination now holds.
            if conflict == .skip && !step.isAccessory {
                var moving: [Tag] = []
                for tag in tags {
                    if let held = try await destination.manifestDigest(.tag(tag), in: destinationRepository), held != digest {
                        outcome.keptTags.append(tag)
                    } else {
                        moving.append(tag)
                    }
                }
                tags = moving
            }
            let present = try await destination.manifestDigest(.digest(digest), in: destinationRepository) == digest
            if !present {
                for blob in step.blobs where blobsDone.insert(blob.digest).inserted {
                    if try await !destination.hasBlob(blob.digest, in: destinationRepository) {
                        let source = source
                        let repository = sourceRepository
                        try await destination.putBlob(blob.digest, size: blob.size, in: destinationRepository) { offset in
                            try await source.blob(blob.digest, size: blob.size, from: offset, in: repository)
                        }
                    }
                    progress(blob.size)
                }
                try await destination.putManifest(step.manifest, as: .digest(digest), in: destinationRepository)
            } else {
                for blob in step.blobs where blobsDone.insert(blob.digest).inserted { progress(blob.size) }
            }
            for tag in tags where try await destination.manifestDigest(.tag(tag), in: destinationRepository) != digest {
                try await destination.putManifest(step.manifest, as: .tag(tag), in: destinationRepository)
            }
            progress(Int64(step.manifest.bytes.count))
            outcome.artifacts += 1
            if !keepsReferrers, let referrer = step.referrer {
                try await underSchemaGate { try await addToReferrersTag(referrer.descriptor, of: referrer.subject) }
            }
        }
        return outcome
    }

    /// Adds a referrer to its subject's referrers tag at a destination without the referrers
    /// API (the spec's "Pushing Manifests with Subject" for such registries): read the index
    /// under `<alg>-<ref>` (none: a new one), add the entry, push it back under the tag.
    private func addToReferrersTag(_ referrer: Descriptor, of subject: Digest) async throws {
        let tag = ReferrersTagSchema.tag(for: subject)
        let current = try await destination.manifest(.tag(tag), in: destinationRepository)
        let existing: ReferrersIndex?
        if let current {
            do {
                existing = try ReferrersTagSchema.index(parsing: current.bytes, contentType: current.mediaType)
            } catch {
                // The spec: a tag that is not such an index is reported and left alone.
                throw ReplicationFailure.destination("the destination's tag \(tag) in \(destinationRepository) is not a referrers index: \(error)")
            }
        } else {
            existing = nil
        }
        if existing?.manifests.contains(referrer) == true { return }
        let updated = ReferrersTagSchema.adding(referrer, to: existing)
        let bytes = Array(try updated.encoded())
        let manifest = ReplicatedManifest(digest: try ContentHasher.digest(of: bytes), mediaType: MediaType.ociImageIndex.rawValue, bytes: bytes)
        try await destination.putManifest(manifest, as: .tag(tag), in: destinationRepository)
    }

    /// Deletes `removed` (deepest accessory first) at the destination; returns how many it
    /// held. At a destination without the referrers API the referrers tag schema stays true:
    /// the schema's index of each deleted manifest goes, and `subject`, when it lives on, loses
    /// the deleted referrers from its index.
    func delete(_ removed: [Digest], below subject: Digest?) async throws -> Int {
        var deleted = 0
        for digest in removed where try await destination.deleteManifest(digest, in: destinationRepository) { deleted += 1 }
        guard try await !destination.servesReferrersAPI(in: destinationRepository) else { return deleted }
        try await underSchemaGate { try await retractFromReferrersTags(removed, below: subject) }
        return deleted
    }

    /// The schema's side of a delete: the indexes of deleted manifests go, and the living
    /// subject's index loses the deleted referrers.
    private func retractFromReferrersTags(_ removed: [Digest], below subject: Digest?) async throws {
        for digest in removed {
            if let index = try await destination.manifest(.tag(ReferrersTagSchema.tag(for: digest)), in: destinationRepository) {
                _ = try await destination.deleteManifest(index.digest, in: destinationRepository)
            }
        }
        guard let subject, !removed.contains(subject) else { return }
        let tag = ReferrersTagSchema.tag(for: subject)
        guard let current = try await destination.manifest(.tag(tag), in: destinationRepository),
              var index = try? ReferrersTagSchema.index(parsing: current.bytes, contentType: current.mediaType) else { return }
        let before = index.manifests.count
        for digest in removed { index = ReferrersTagSchema.removing(digest, from: index) }
        guard index.manifests.count != before else { return }
        let bytes = Array(try index.encoded())
        let manifest = ReplicatedManifest(digest: try ContentHasher.digest(of: bytes), mediaType: MediaType.ociImageIndex.rawValue, bytes: bytes)
        try await destination.putManifest(manifest, as: .tag(tag), in: destinationRepository)
    }

    private func underSchemaGate(_ body: () async throws -> Void) async throws {
        await schemaGate.enter()
        do {
            try await body()
            await schemaGate.leave()
        } catch {
            await schemaGate.leave()
            throw error
        }
    }
}
