import BerthModel
import Foundation

/// One LMDB transaction seen through the index's primitives (`IndexWriteTransaction`): the
/// schema's keys and encodings, nothing of the registry's rules.
///
/// Repository ids are looked up once per transaction. A cached id is never stale: a job's
/// transaction and this wrapper end together, and ids are never reused.
final class LMDBIndexTransaction: IndexWriteTransaction {
    let txn: LMDBTransaction
    let index: LMDBIndex
    private var repositoryIDs: [RepositoryName: UInt32] = [:]

    init(_ txn: LMDBTransaction, index: LMDBIndex) {
        self.txn = txn
        self.index = index
    }

    private var db: LMDBIndex.Databases { index.db }

    /// The repository's id, or nil when it was never created.
    func repo(_ repository: RepositoryName) throws -> UInt32? {
        if let known = repositoryIDs[repository] { return known }
        let found = try index.repositoryID(repository, txn)
        if let found { repositoryIDs[repository] = found }
        return found
    }

    /// The repository's id, creating the repository if needed.
    private func ensureRepo(_ repository: RepositoryName, now: Date) throws -> UInt32 {
        if let known = try repo(repository) { return known }
        let id = try index.ensureRepositoryID(repository, txn, now: now)
        repositoryIDs[repository] = id
        return id
    }

    // MARK: Reads

    func manifest(_ digest: Digest, in repository: RepositoryName) throws -> ManifestRecord? {
        guard let repo = try repo(repository), let value = try txn.get(db.manifests, LMDBIndex.repoDigestKey(repo, digest)) else { return nil }
        return try index.decodeManifest(value, repository: repository, digest: digest, txn)
    }

    func hasManifest(_ digest: Digest, in repository: RepositoryName) throws -> Bool {
        guard let repo = try repo(repository) else { return false }
        return try txn.contains(db.manifests, LMDBIndex.repoDigestKey(repo, digest))
    }

    func lastPush(of digest: Digest, in repository: RepositoryName) throws -> Date? {
        guard let repo = try repo(repository),
              let value = try txn.get(db.manifestRepositories, LMDBIndex.manifestRepositoryKey(digest, repo)), value.count == 8 else { return nil }
        var reader = BinaryReader(value)
        return Date(millisecondsSince1970: try reader.i64())
    }

    func hasDocument(_ digest: Digest) throws -> Bool {
        try txn.contains(db.manifestBytes, digest.indexBytes)
    }

    func tag(_ tag: Tag, in repository: RepositoryName) throws -> TagRecord? {
        guard let repo = try repo(repository), let value = try txn.get(db.tags, LMDBIndex.tagKey(repo, tag.value)) else { return nil }
        var reader = BinaryReader(value)
        let digest = try reader.digest()
        return TagRecord(tag: tag, digest: digest, taggedAt: Date(millisecondsSince1970: try reader.i64()))
    }

    func tags(of digest: Digest, in repository: RepositoryName) throws -> [Tag] {
        guard let repo = try repo(repository) else { return [] }
        return try index.tags(of: digest, repo: repo, txn)
    }

    func blobLink(_ digest: Digest, in repository: RepositoryName) throws -> BlobLink? {
        guard let repo = try repo(repository), let value = try txn.get(db.blobLinks, LMDBIndex.repoDigestKey(repo, digest)) else { return nil }
        return try LMDBIndex.decodeLink(digest, value)
    }

    func accessoryLink(from subject: Digest, to accessory: Digest, in repository: RepositoryName) throws -> AccessoryLink? {
        guard let repo = try repo(repository),
              let value = try txn.get(db.accessories, LMDBIndex.repoDigestKey(repo, subject) + accessory.indexBytes) else { return nil }
        return try LMDBIndex.decodeAccessoryLink(subject: subject, accessory: accessory, value)
    }

    func accessoryLinks(of subject: Digest, in repository: RepositoryName) throws -> [AccessoryLink] {
        guard let repo = try repo(repository) else { return [] }
        return try index.accessoryLinks(of: subject, repo: repo, txn)
    }

    func subjects(ofAccessory accessory: Digest, in repository: RepositoryName) throws -> [Digest] {
        guard let repo = try repo(repository) else { return [] }
        return try index.subjects(ofAccessory: accessory, repo: repo, txn)
    }

    func parents(of child: Digest, in repository: RepositoryName) throws -> [Digest] {
        guard let repo = try repo(repository) else { return [] }
        return try index.parents(of: child, repo: repo, txn)
    }

    func upload(_ id: UploadID) throws -> UploadRecord? {
        try txn.get(db.uploads, id.bytes).map { try LMDBIndex.decodeUpload(id, $0) }
    }

    // MARK: Writes

    func putManifest(_ record: ManifestRecord, document: [UInt8]) throws {
        let repo = try ensureRepo(record.repository, now: record.pushedAt)
        let recordKey = LMDBIndex.repoDigestKey(repo, record.digest)
        if let replaced = try txn.get(db.manifests, recordKey) {
            // A record written over (not done by the rules today): its old push-time entry goes.
            try txn.delete(db.manifestsByPush, LMDBIndex.pushOrderKey(repo, milliseconds: try LMDBIndex.pushedMilliseconds(ofRecord: replaced), record.digest))
        }
        try txn.put(db.manifests, recordKey, try index.encodeManifest(record, txn))
        try txn.put(db.manifestsByPush, LMDBIndex.pushOrderKey(repo, milliseconds: record.pushedAt.millisecondsSince1970, record.digest), [UInt8]())
        if try !txn.contains(db.manifestBytes, record.digest.indexBytes) {
            try txn.put(db.manifestBytes, record.digest.indexBytes, try index.encodeDocument(document))
        }
        for child in record.children {
            try txn.put(db.manifestParents, LMDBIndex.repoDigestKey(repo, child) + record.digest.indexBytes, [UInt8]())
        }
    }

    func recordPush(of digest: Digest, in repository: RepositoryName, at time: Date) throws {
        let repo = try ensureRepo(repository, now: time)
        var pushed = BinaryWriter(capacity: 8)
        pushed.i64(time.millisecondsSince1970)
        try txn.put(db.manifestRepositories, LMDBIndex.manifestRepositoryKey(digest, repo), pushed.bytes)
    }

    func removeManifest(_ digest: Digest, in repository: RepositoryName) throws -> Bool {
        guard let repo = try repo(repository) else { return false }
        let recordKey = LMDBIndex.repoDigestKey(repo, digest)
        guard let value = try txn.get(db.manifests, recordKey) else { return false }
        let record = try index.decodeManifest(value, repository: repository, digest: digest, txn)
        for child in record.children {
            try txn.delete(db.manifestParents, LMDBIndex.repoDigestKey(repo, child) + digest.indexBytes)
        }
        var checks: [[UInt8]] = []
        try txn.scan(db.signatureChecks, from: recordKey, prefix: recordKey) { key, _ in
            checks.append(Array(key))
            return true
        }
        for key in checks { try txn.delete(db.signatureChecks, key) }
        if let subject = record.subject {
            let type = try record.artifactType.flatMap { try index.mediaTypeID($0, txn) } ?? 0
            try txn.delete(db.referrers, LMDBIndex.referrerKey(repo, subject: subject, artifactType: type, referrer: digest))
        }
        try txn.delete(db.manifests, recordKey)
        try txn.delete(db.manifestsByPush, LMDBIndex.pushOrderKey(repo, milliseconds: record.pushedAt.millisecondsSince1970, digest))
        try txn.delete(db.manifestRepositories, LMDBIndex.manifestRepositoryKey(digest, repo))
        var stillHeld = false
        try txn.scan(db.manifestRepositories, from: digest.indexBytes, prefix: digest.indexBytes) { _, _ in
            stillHeld = true
            return false
        }
        if !stillHeld { try txn.delete(db.manifestBytes, digest.indexBytes) }
        return true
    }

    func putReferrer(_ referrer: Descriptor, of subject: Digest, in repository: RepositoryName) throws {
        let repo = try ensureRepo(repository, now: Date())
        let type = try referrer.artifactType.map { try index.ensureMediaTypeID($0, txn) } ?? 0
        var value = BinaryWriter()
        value.u32(try index.ensureMediaTypeID(referrer.mediaType, txn))
        value.i64(referrer.size)
        let annotations = (referrer.annotations ?? [:]).sorted { $0.key < $1.key }
        value.u32(UInt32(annotations.count))
        for (key, text) in annotations {
            value.string(key)
            value.string(text)
        }
        try txn.put(db.referrers, LMDBIndex.referrerKey(repo, subject: subject, artifactType: type, referrer: referrer.digest), value.bytes)
    }

    func setTag(_ tag: Tag, to digest: Digest, in repository: RepositoryName, at time: Date) throws {
        let repo = try ensureRepo(repository, now: time)
        let key = LMDBIndex.tagKey(repo, tag.value)
        if let previous = try txn.get(db.tags, key) {
            var reader = BinaryReader(previous)
            try txn.delete(db.manifestTags, LMDBIndex.manifestTagKey(repo, try reader.digest(), tag))
        }
        var value = BinaryWriter()
        value.digest(digest)
        value.i64(time.millisecondsSince1970)
        try txn.put(db.tags, key, value.bytes)
        try txn.put(db.manifestTags, LMDBIndex.manifestTagKey(repo, digest, tag), [UInt8]())
    }

    func removeTag(_ tag: Tag, in repository: RepositoryName) throws -> Bool {
        guard let repo = try repo(repository) else { return false }
        let key = LMDBIndex.tagKey(repo, tag.value)
        guard let value = try txn.get(db.tags, key) else { return false }
        var reader = BinaryReader(value)
        try txn.delete(db.tags, key)
        try txn.delete(db.manifestTags, LMDBIndex.manifestTagKey(repo, try reader.digest(), tag))
        return true
    }

    func setAccessoryLink(_ link: AccessoryLink, in repository: RepositoryName) throws {
        let repo = try ensureRepo(repository, now: link.linkedAt)
        var w = BinaryWriter(capacity: 10)
        w.u8(link.type.indexCode)
        w.u8(link.flags.rawValue)
        w.i64(link.linkedAt.millisecondsSince1970)
        try txn.put(db.accessories, LMDBIndex.repoDigestKey(repo, link.subject) + link.accessory.indexBytes, w.bytes)
        try txn.put(db.accessorySubjects, LMDBIndex.repoDigestKey(repo, link.accessory) + link.subject.indexBytes, [UInt8]())
    }

    func removeAccessoryLink(from subject: Digest, to accessory: Digest, in repository: RepositoryName) throws {
        guard let repo = try repo(repository) else { return }
        try txn.delete(db.accessories, LMDBIndex.repoDigestKey(repo, subject) + accessory.indexBytes)
        try txn.delete(db.accessorySubjects, LMDBIndex.repoDigestKey(repo, accessory) + subject.indexBytes)
    }

    func putBlobLink(_ link: BlobLink, in repository: RepositoryName) throws {
        let repo = try ensureRepo(repository, now: link.linkedAt)
        var value = BinaryWriter(capacity: 16)
        value.i64(link.size)
        value.i64(link.linkedAt.millisecondsSince1970)
        try txn.put(db.blobLinks, LMDBIndex.repoDigestKey(repo, link.digest), value.bytes)
    }

    func removeBlobLink(_ digest: Digest, from repository: RepositoryName) throws -> Bool {
        guard let repo = try repo(repository) else { return false }
        return try txn.delete(db.blobLinks, LMDBIndex.repoDigestKey(repo, digest))
    }

    func putUpload(_ record: UploadRecord) throws {
        try txn.put(db.uploads, record.id.bytes, LMDBIndex.encodeUpload(record))
    }

    func removeUpload(_ id: UploadID) throws -> Bool {
        try txn.delete(db.uploads, id.bytes)
    }

    func appendAudit(_ event: [UInt8], at time: Date) throws {
        try index.appendAudit(event, at: time, txn)
    }

    func putReplicationRecord(_ kind: ReplicationRecordKind, _ key: [UInt8], _ value: [UInt8]) throws {
        try txn.put(db.replication, [kind.rawValue] + key, value)
    }

    func removeReplicationRecord(_ kind: ReplicationRecordKind, _ key: [UInt8]) throws -> Bool {
        try txn.delete(db.replication, [kind.rawValue] + key)
    }

    func replicationRecord(_ kind: ReplicationRecordKind, _ key: [UInt8]) throws -> [UInt8]? {
        try txn.get(db.replication, [kind.rawValue] + key)
    }

    func rehearse<T>(_ body: (any IndexWriteTransaction) throws -> T) throws -> T {
        try txn.rehearsal { child in try body(LMDBIndexTransaction(child, index: index)) }
    }
}
