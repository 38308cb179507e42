import BerthModel
import Foundation

/// The rule of a manifest push: what must already be there, what is stored, which edges a
/// manifest makes, and which tags move, all in one transaction.
extension IndexWriteTransaction {
    /// Stores a parsed manifest and its bytes. Checks, inside this transaction (so a
    /// concurrent unlink or delete cannot slip between them and the write): every blob it
    /// references is linked into the repository with the size its descriptor gives, every
    /// child of an index is present. Touches the links of its blobs (garbage collection spares
    /// young links and re-reads them in its own transaction) and records the push time (which
    /// its sweep re-reads). A manifest with a `subject` becomes an accessory of it (classified
    /// by `AccessoryClassifier`) and a referrer of it; the subject need not exist. Then every
    /// tag of the request moves to it (`moveTag`): one refused refuses the whole push. Last,
    /// the push's audit event: it commits with the push (one durable commit, not two, for
    /// each acknowledged push) and never records a push that was refused.
    func publish(_ request: ManifestWriteRequest) throws -> ManifestRecord {
        let manifest = request.manifest
        let repository = request.repository
        for blob in manifest.requiredBlobs {
            guard let link = try blobLink(blob.digest, in: repository) else { throw RegistryError.manifestBlobUnknown(blob.digest) }
            // A descriptor's size is what clients read and verify against: it must be the blob's.
            guard link.size == blob.size else {
                throw RegistryError.invalid(.invalidManifest("the descriptor of \(blob.digest) gives size \(blob.size), the blob has \(link.size) bytes"))
            }
            try putBlobLink(BlobLink(digest: blob.digest, size: link.size, linkedAt: request.now), in: repository)
        }
        for child in manifest.childManifests where try !hasManifest(child.digest, in: repository) {
            throw RegistryError.manifestChildUnknown(child.digest)
        }
        // Every push, first or again, records its time: a manifest pushed again while a
        // collection runs is not swept.
        try recordPush(of: request.digest, in: repository, at: request.now)
        let record: ManifestRecord
        if let existing = try self.manifest(request.digest, in: repository) {
            // The same bytes pushed again: keep the first push time, which retention rules read.
            record = existing
        } else {
            record = ManifestRecord(
                repository: repository, digest: request.digest, mediaType: manifest.mediaType,
                size: Int64(request.bytes.count), artifactType: manifest.artifactType,
                subject: manifest.subject?.digest, pushedAt: request.now,
                blobs: manifest.requiredBlobs.map(\.digest), children: manifest.childManifests.map(\.digest))
            try putManifest(record, document: request.bytes)
            if let subject = manifest.subject {
                let suffix = request.tags.lazy.compactMap { AccessoryClassifier.tagSchemeSubject($0)?.suffix }.first
                let type = AccessoryClassifier.classify(.init(manifest: manifest, tagSuffix: suffix))
                try link(accessory: request.digest, to: subject.digest, type: type, flags: .subjectField, in: repository, now: request.now)
                try putReferrer(manifest.referrerDescriptor(digest: request.digest, size: record.size), of: subject.digest, in: repository)
            }
        }
        for tag in request.tags {
            try moveTag(tag, to: request.digest, manifest: manifest, in: repository, now: request.now, protection: request.tagProtection)
        }
        if let audit = request.audit { try appendAudit(audit.encoded(), at: audit.time) }
        try recordPush(request.digest, in: repository, at: request.now, outbox: request.outbox)
        return record
    }
}

extension MetadataIndex {
    /// Stores a manifest by the publication rule (`IndexWriteTransaction.publish`), in one transaction.
    public func putManifest(_ request: ManifestWriteRequest) async throws -> ManifestRecord {
        try await write { txn in try txn.publish(request) }
    }
}
