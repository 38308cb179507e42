import BerthModel
import Foundation

/// Manifests, their documents and tags.
extension LMDBIndex {
    public func resolve(tag: Tag, in repository: RepositoryName) throws -> Digest? {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn),
                  let value = try txn.get(db.tags, Self.tagKey(repo, tag.value)) else { return nil }
            var reader = BinaryReader(value)
            return try reader.digest()
        }
    }

    public func manifest(_ digest: Digest, in repository: RepositoryName) throws -> ManifestRecord? {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn),
                  let value = try txn.get(db.manifests, Self.repoDigestKey(repo, digest)) else { return nil }
            return try decodeManifest(value, repository: repository, digest: digest, txn)
        }
    }

    public func setting(_ name: String) throws -> [UInt8]? {
        try lmdbRead { txn in try txn.get(db.settings, Array(name.utf8)) }
    }

    public func setSetting(_ name: String, _ value: [UInt8]) async throws {
        try await lmdbWrite { txn in try txn.put(self.db.settings, Array(name.utf8), value) }
    }

    public func manifests(in repository: RepositoryName) throws -> [ManifestRecord] {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn) else { return [] }
            let prefix = Self.idKey(repo)
            var records: [ManifestRecord] = []
            try txn.scan(db.manifests, from: prefix, prefix: prefix) { key, value in
                var reader = BinaryReader(Array(key), offset: 4)
                records.append(try decodeManifest(Array(value), repository: repository, digest: try reader.digest(), txn))
                return true
            }
            return records
        }
    }

    public func manifestBytes(_ digest: Digest) throws -> [UInt8]? {
        guard let stored = try lmdbRead({ txn in try txn.get(db.manifestBytes, digest.indexBytes) }) else { return nil }
        // Decompression happens after the read transaction ends, so a reader never pins pages
        // for longer than the copy.
        return try decodeDocument(stored)
    }

    public func tags(in repository: RepositoryName, after last: String?, limit: Int) throws -> Page<Tag>? {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn) else { return nil }
            let prefix = Self.idKey(repo)
            let start = last.map { Self.tagKey(repo, $0) } ?? prefix
            var items: [Tag] = []
            var hasMore = false
            guard limit > 0 else { return Page(items: [], hasMore: false) }
            try txn.scan(db.tags, from: start, prefix: prefix) { key, _ in
                if last != nil, key.elementsEqual(start) { return true }
                if items.count == limit { hasMore = true; return false }
                items.append(try Self.tag(fromTagKey: key))
                return true
            }
            return Page(items: items, hasMore: hasMore)
        }
    }

    public func tagRecords(in repository: RepositoryName) throws -> [TagRecord] {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn) else { return [] }
            let prefix = Self.idKey(repo)
            var records: [TagRecord] = []
            try txn.scan(db.tags, from: prefix, prefix: prefix) { key, value in
                var reader = BinaryReader(Array(value))
                let digest = try reader.digest()
                records.append(TagRecord(tag: try Self.tag(fromTagKey: key), digest: digest,
                                         taggedAt: Date(millisecondsSince1970: try reader.i64())))
                return true
            }
            return records
        }
    }

    public func tags(of digest: Digest, in repository: RepositoryName) throws -> [Tag] {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn) else { return [] }
            return try tags(of: digest, repo: repo, txn)
        }
    }

    /// The tags pointing at one manifest, from the manifest → tag index, in the caller's transaction.
    func tags(of digest: Digest, repo: UInt32, _ txn: LMDBTransaction) throws -> [Tag] {
        let prefix = Self.repoDigestKey(repo, digest)
        var tags: [Tag] = []
        try txn.scan(db.manifestTags, from: prefix, prefix: prefix) { key, _ in
            tags.append(try Tag(parsing: String(decoding: key[prefix.count...], as: UTF8.self)))
            return true
        }
        return tags
    }

    public func repositories(after last: String?, limit: Int) throws -> Page<RepositoryName> {
        try lmdbRead { txn in
            guard limit > 0 else { return Page(items: [], hasMore: false) }
            let start = last.map { Array($0.utf8) } ?? []
            var items: [RepositoryName] = []
            var hasMore = false
            try txn.scan(db.repositories, from: start, prefix: []) { key, _ in
                if last != nil, key.elementsEqual(start) { return true }
                if items.count == limit { hasMore = true; return false }
                items.append(try RepositoryName(parsing: String(decoding: key, as: UTF8.self)))
                return true
            }
            return Page(items: items, hasMore: hasMore)
        }
    }

    // MARK: Encodings

    func encodeManifest(_ record: ManifestRecord, _ txn: LMDBTransaction) throws -> [UInt8] {
        var w = BinaryWriter(capacity: 64 + 33 * (record.blobs.count + record.children.count))
        w.u8(1)
        w.u32(try ensureMediaTypeID(record.mediaType, txn))
        w.i64(record.size)
        w.u32(try record.artifactType.map { try ensureMediaTypeID($0, txn) } ?? 0)
        if let subject = record.subject {
            w.u8(1)
            w.digest(subject)
        } else {
            w.u8(0)
        }
        w.i64(record.pushedAt.millisecondsSince1970)
        w.u32(UInt32(record.blobs.count))
        record.blobs.forEach { w.digest($0) }
        w.u32(UInt32(record.children.count))
        record.children.forEach { w.digest($0) }
        return w.bytes
    }

    func decodeManifest(_ bytes: [UInt8], repository: RepositoryName, digest: Digest, _ txn: LMDBTransaction) throws -> ManifestRecord {
        var r = BinaryReader(bytes)
        guard try r.u8() == 1 else { throw IndexCorruption("unknown manifest record version") }
        let mediaType = try mediaType(try r.u32(), txn)
        let size = try r.i64()
        let artifactTypeID = try r.u32()
        let artifactType = artifactTypeID == 0 ? nil : try self.mediaType(artifactTypeID, txn)
        let subject = try r.u8() == 1 ? try r.digest() : nil
        let pushedAt = Date(millisecondsSince1970: try r.i64())
        let blobs = try (0..<Int(r.u32())).map { _ in try r.digest() }
        let children = try (0..<Int(r.u32())).map { _ in try r.digest() }
        return ManifestRecord(repository: repository, digest: digest, mediaType: mediaType, size: size,
                              artifactType: artifactType, subject: subject, pushedAt: pushedAt,
                              blobs: blobs, children: children)
    }

    /// A manifest document at rest: one encoding byte, then the bytes raw (0) or as one zstd frame (1).
    /// Compressed only above the threshold and only when it saves space.
    func encodeDocument(_ bytes: [UInt8]) throws -> [UInt8] {
        if bytes.count > compressionThreshold {
            let compressed = try Zstd.compress(bytes)
            if compressed.count < bytes.count { return [1] + compressed }
        }
        return [0] + bytes
    }

    func decodeDocument(_ stored: [UInt8]) throws -> [UInt8] {
        guard let encoding = stored.first else { throw IndexCorruption("empty manifest document") }
        switch encoding {
        case 0: return Array(stored.dropFirst())
        case 1: return try Zstd.decompress(stored.dropFirst(), limit: Manifest.maximumSize)
        default: throw IndexCorruption("unknown document encoding \(encoding)")
        }
    }
}
