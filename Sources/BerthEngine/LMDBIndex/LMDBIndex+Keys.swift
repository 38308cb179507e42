import BerthModel
import Foundation

/// Key layouts and the name/type ↔ id maps of the LMDB schema.
extension LMDBIndex {
    // MARK: Ids

    /// The id of a repository, or nil if it was never created.
    func repositoryID(_ name: RepositoryName, _ txn: LMDBTransaction) throws -> UInt32? {
        guard let value = try txn.get(db.repositories, Array(name.value.utf8)) else { return nil }
        var reader = BinaryReader(value)
        return try reader.u32()
    }

    /// The id of a repository, creating the repository (in `txn`) if needed.
    func ensureRepositoryID(_ name: RepositoryName, _ txn: LMDBTransaction, now: Date) throws -> UInt32 {
        if let id = try repositoryID(name, txn) { return id }
        let id = try nextID("next_repository_id", txn)
        var value = BinaryWriter()
        value.u32(id)
        value.i64(now.millisecondsSince1970)
        try txn.put(db.repositories, Array(name.value.utf8), value.bytes)
        try txn.put(db.repositoryNames, Self.idKey(id), Array(name.value.utf8))
        return id
    }

    /// Every repository id, in id order.
    func allRepositoryIDs(_ txn: LMDBTransaction) throws -> [UInt32] {
        var ids: [UInt32] = []
        try txn.scan(db.repositoryNames, from: [], prefix: []) { key, _ in
            var reader = BinaryReader(Array(key))
            ids.append(try reader.u32())
            return true
        }
        return ids
    }

    /// The repository name behind an id.
    func repositoryName(_ id: UInt32, _ txn: LMDBTransaction) throws -> RepositoryName {
        guard let raw = try txn.get(db.repositoryNames, Self.idKey(id)) else { throw IndexCorruption("no repository with id \(id)") }
        do { return try RepositoryName(parsing: String(decoding: raw, as: UTF8.self)) } catch { throw IndexCorruption("bad repository name for id \(id)") }
    }

    /// The id of a media type, or nil if none was ever stored.
    func mediaTypeID(_ type: MediaType, _ txn: LMDBTransaction) throws -> UInt32? {
        guard let value = try txn.get(db.mediaTypes, Array(type.rawValue.utf8)) else { return nil }
        var reader = BinaryReader(value)
        return try reader.u32()
    }

    /// The id of a media type, recording it (in `txn`) if needed. Ids start at 1: 0 means "none".
    func ensureMediaTypeID(_ type: MediaType, _ txn: LMDBTransaction) throws -> UInt32 {
        if let id = try mediaTypeID(type, txn) { return id }
        let id = try nextID("next_media_type_id", txn)
        try txn.put(db.mediaTypes, Array(type.rawValue.utf8), Self.idKey(id))
        try txn.put(db.mediaTypeNames, Self.idKey(id), Array(type.rawValue.utf8))
        return id
    }

    /// The media type behind an id.
    func mediaType(_ id: UInt32, _ txn: LMDBTransaction) throws -> MediaType {
        guard let raw = try txn.get(db.mediaTypeNames, Self.idKey(id)) else { throw IndexCorruption("no media type with id \(id)") }
        return MediaType(rawValue: String(decoding: raw, as: UTF8.self))
    }

    private func nextID(_ counter: String, _ txn: LMDBTransaction) throws -> UInt32 {
        let key = Array(counter.utf8)
        var id: UInt32 = 1
        if let stored = try txn.get(db.meta, key) {
            var reader = BinaryReader(stored)
            id = try reader.u32()
        }
        guard id < UInt32.max else { throw RegistryError.storage("id space of \(counter) exhausted") }
        var next = BinaryWriter()
        next.u32(id + 1)
        try txn.put(db.meta, key, next.bytes)
        return id
    }

    // MARK: Keys

    static func idKey(_ id: UInt32) -> [UInt8] {
        var w = BinaryWriter(capacity: 4)
        w.u32(id)
        return w.bytes
    }

    /// repo ‖ digest: manifests, blob_links, and the prefix of manifest_tags.
    static func repoDigestKey(_ repo: UInt32, _ digest: Digest) -> [UInt8] {
        var w = BinaryWriter(capacity: 69)
        w.u32(repo)
        w.digest(digest)
        return w.bytes
    }

    /// repo ‖ lowercase(tag) ‖ 0x00 ‖ tag. Any string gives a key, so a `last` that is not a
    /// stored tag still positions a listing correctly.
    /// repo ‖ (i64.max − ms) ‖ digest: a manifest in `manifests_by_push`, whose bytewise order
    /// is newest push first (times before 1970 count as 1970).
    static func pushOrderKey(_ repo: UInt32, milliseconds: Int64, _ digest: Digest) -> [UInt8] {
        var w = BinaryWriter(capacity: 77)
        w.u32(repo)
        w.i64(Int64.max - max(0, milliseconds))
        w.digest(digest)
        return w.bytes
    }

    /// The push time in a manifest record's encoding (version byte, media type, size, artifact
    /// type, subject, then the push time), read without resolving its media types.
    static func pushedMilliseconds(ofRecord bytes: [UInt8]) throws -> Int64 {
        var r = BinaryReader(bytes)
        guard try r.u8() == 1 else { throw IndexCorruption("unknown manifest record version") }
        _ = try r.u32()
        _ = try r.i64()
        _ = try r.u32()
        if try r.u8() == 1 { _ = try r.digest() }
        return try r.i64()
    }

    static func tagKey(_ repo: UInt32, _ tag: String) -> [UInt8] {
        var w = BinaryWriter(capacity: 4 + tag.utf8.count * 2 + 1)
        w.u32(repo)
        w.raw(tag.lowercased().utf8)
        w.u8(0)
        w.raw(tag.utf8)
        return w.bytes
    }

    /// The tag part of a tags key (after the 0x00 separator).
    static func tag(fromTagKey key: UnsafeRawBufferPointer) throws -> Tag {
        let body = key.dropFirst(4)
        guard let separator = body.firstIndex(of: 0) else { throw IndexCorruption("tag key without separator") }
        do { return try Tag(parsing: String(decoding: key[(separator + 1)...], as: UTF8.self)) } catch { throw IndexCorruption("bad tag in key") }
    }

    /// repo ‖ digest ‖ tag.
    static func manifestTagKey(_ repo: UInt32, _ digest: Digest, _ tag: Tag) -> [UInt8] {
        repoDigestKey(repo, digest) + Array(tag.value.utf8)
    }

    /// The parts of a manifest → tag key; `manifestKeyLength` bytes of it are repo ‖ digest.
    static func manifestTag(fromKey key: UnsafeRawBufferPointer) throws -> (repo: UInt32, digest: Digest, tag: Tag, manifestKeyLength: Int) {
        var reader = BinaryReader(Array(key))
        let repo = try reader.u32()
        let digest = try reader.digest()
        let manifestKeyLength = 4 + 1 + digest.algorithm.byteCount
        guard let tag = try? Tag(parsing: String(decoding: key[manifestKeyLength...], as: UTF8.self)) else {
            throw IndexCorruption("bad tag in manifest-tag key")
        }
        return (repo, digest, tag, manifestKeyLength)
    }

    /// digest ‖ repo.
    static func manifestRepositoryKey(_ digest: Digest, _ repo: UInt32) -> [UInt8] {
        var w = BinaryWriter(capacity: 69)
        w.digest(digest)
        w.u32(repo)
        return w.bytes
    }

    /// repo ‖ subject ‖ type ‖ referrer, or a prefix of it when the later parts are nil.
    static func referrerKey(_ repo: UInt32, subject: Digest, artifactType: UInt32?, referrer: Digest?) -> [UInt8] {
        var w = BinaryWriter(capacity: 4 + 65 + 4 + 65)
        w.u32(repo)
        w.digest(subject)
        if let artifactType {
            w.u32(artifactType)
            if let referrer { w.digest(referrer) }
        }
        return w.bytes
    }
}

extension Date {
    /// Whole milliseconds since 1970, as stored in the index.
    var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The date of a stored millisecond count.
    init(millisecondsSince1970 ms: Int64) { self.init(timeIntervalSince1970: Double(ms) / 1000) }
}
