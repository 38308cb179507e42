import BerthModel
import Foundation

/// Manifests, their documents and tags.
extension LMDBIndex {
    public func putManifest(_ write: ManifestWriteRequest) async throws -> ManifestRecord {
        try await self.write { txn in try self.putManifest(write, txn) }
    }

    private func putManifest(_ request: ManifestWriteRequest, _ txn: LMDBTransaction) throws -> ManifestRecord {
        let manifest = request.manifest
        let repo = try ensureRepositoryID(request.repository, txn, now: request.now)
        // Rule checks inside the transaction: a concurrent unlink or delete cannot slip between them and the write.
        for blob in manifest.requiredBlobs {
            let linkKey = Self.repoDigestKey(repo, blob.digest)
            guard let link = try txn.get(db.blobLinks, linkKey) else { throw RegistryError.manifestBlobUnknown(blob.digest) }
            // A descriptor's size is what clients read and verify against: it must be the blob's.
            let stored = try Self.decodeLink(blob.digest, link).size
            guard stored == blob.size else {
                throw RegistryError.invalid(.invalidManifest("the descriptor of \(blob.digest) gives size \(blob.size), the blob has \(stored) bytes"))
            }
            // Touch the link: garbage collection keeps links younger than its grace, and
            // re-reads this time in its own transaction, so a blob this manifest names cannot
            // be unlinked by a collection that marked before this push.
            var touched = BinaryWriter(capacity: 16)
            touched.raw(link.prefix(8))
            touched.i64(request.now.millisecondsSince1970)
            try txn.put(db.blobLinks, linkKey, touched.bytes)
        }
        for child in manifest.childManifests where try !txn.contains(db.manifests, Self.repoDigestKey(repo, child.digest)) {
            throw RegistryError.manifestChildUnknown(child.digest)
        }
        let recordKey = Self.repoDigestKey(repo, request.digest)
        // Every push, first or again, records its time here: garbage collection's sweep
        // re-reads it, so a manifest pushed again while a collection runs is not swept.
        var pushed = BinaryWriter(capacity: 8)
        pushed.i64(request.now.millisecondsSince1970)
        try txn.put(db.manifestRepositories, Self.manifestRepositoryKey(request.digest, repo), pushed.bytes)
        let record: ManifestRecord
        if let existing = try txn.get(db.manifests, recordKey) {
            // The same bytes pushed again: keep the first push time, which retention rules read.
            record = try decodeManifest(existing, repository: request.repository, digest: request.digest, txn)
        } else {
            record = ManifestRecord(
                repository: request.repository, digest: request.digest, mediaType: manifest.mediaType,
                size: Int64(request.bytes.count), artifactType: manifest.artifactType,
                subject: manifest.subject?.digest, pushedAt: request.now,
                blobs: manifest.requiredBlobs.map(\.digest), children: manifest.childManifests.map(\.digest))
            try txn.put(db.manifests, recordKey, try encodeManifest(record, txn))
            if try !txn.contains(db.manifestBytes, request.digest.indexBytes) {
                try txn.put(db.manifestBytes, request.digest.indexBytes, try encodeDocument(request.bytes))
            }
            for child in manifest.childManifests {
                try txn.put(db.manifestParents, Self.repoDigestKey(repo, child.digest) + request.digest.indexBytes, [UInt8]())
            }
            if let subject = manifest.subject {
                let suffix = request.tags.lazy.compactMap { AccessoryClassifier.tagSchemeSubject($0)?.suffix }.first
                let accessoryType = AccessoryClassifier.classify(.init(manifest: manifest, tagSuffix: suffix))
                try link(accessory: request.digest, to: subject.digest, type: accessoryType, flags: .subjectField,
                         repo: repo, now: request.now, txn)
                let type = try manifest.artifactType.map { try ensureMediaTypeID($0, txn) } ?? 0
                var value = BinaryWriter()
                value.u32(try ensureMediaTypeID(manifest.mediaType, txn))
                value.i64(Int64(request.bytes.count))
                let annotations = manifest.annotations.sorted { $0.key < $1.key }
                value.u32(UInt32(annotations.count))
                for (key, text) in annotations {
                    value.string(key)
                    value.string(text)
                }
                try txn.put(db.referrers, Self.referrerKey(repo, subject: subject.digest, artifactType: type, referrer: request.digest), value.bytes)
            }
        }
        for tag in request.tags {
            try moveTag(tag, to: request.digest, manifest: manifest, repo: repo, now: request.now, protection: request.tagProtection, txn)
        }
        return record
    }

    /// Points `tag` at `digest`. A cosign tag-scheme tag (`sha256-<hex>.sig`) also moves its
    /// accessory link: the manifest it named stops being that subject's accessory by tag.
    private func moveTag(_ tag: Tag, to digest: Digest, manifest: Manifest, repo: UInt32, now: Date,
                         protection: (@Sendable (Tag) -> String?)?, _ txn: LMDBTransaction) throws {
        let key = Self.tagKey(repo, tag.value)
        let scheme = AccessoryClassifier.tagSchemeSubject(tag)
        if let previous = try txn.get(db.tags, key) {
            var reader = BinaryReader(previous)
            let old = try reader.digest()
            if old != digest, let reason = protection?(tag) { throw RegistryError.protectedByRule(reason) }
            try txn.delete(db.manifestTags, Self.manifestTagKey(repo, old, tag))
            if let scheme, old != digest {
                try unlink(accessory: old, from: scheme.subject, flags: .tagScheme, repo: repo, txn)
            }
        }
        if let scheme {
            let type = AccessoryClassifier.classify(.init(manifest: manifest, tagSuffix: scheme.suffix))
            try link(accessory: digest, to: scheme.subject, type: type, flags: .tagScheme, repo: repo, now: now, txn)
        }
        var value = BinaryWriter()
        value.digest(digest)
        value.i64(now.millisecondsSince1970)
        try txn.put(db.tags, key, value.bytes)
        try txn.put(db.manifestTags, Self.manifestTagKey(repo, digest, tag), [UInt8]())
    }

    public func resolve(tag: Tag, in repository: RepositoryName) throws -> Digest? {
        try read { txn in
            guard let repo = try repositoryID(repository, txn),
                  let value = try txn.get(db.tags, Self.tagKey(repo, tag.value)) else { return nil }
            var reader = BinaryReader(value)
            return try reader.digest()
        }
    }

    public func manifest(_ digest: Digest, in repository: RepositoryName) throws -> ManifestRecord? {
        try read { txn in
            guard let repo = try repositoryID(repository, txn),
                  let value = try txn.get(db.manifests, Self.repoDigestKey(repo, digest)) else { return nil }
            return try decodeManifest(value, repository: repository, digest: digest, txn)
        }
    }

    public func setting(_ name: String) throws -> [UInt8]? {
        try read { txn in try txn.get(db.settings, Array(name.utf8)) }
    }

    public func setSetting(_ name: String, _ value: [UInt8]) async throws {
        try await write { txn in try txn.put(self.db.settings, Array(name.utf8), value) }
    }

    public func manifests(in repository: RepositoryName) throws -> [ManifestRecord] {
        try read { txn in
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
        guard let stored = try read({ txn in try txn.get(db.manifestBytes, digest.indexBytes) }) else { return nil }
        // Decompression happens after the read transaction ends, so a reader never pins pages
        // for longer than the copy.
        return try decodeDocument(stored)
    }

    public func deleteManifest(_ digest: Digest, in repository: RepositoryName, protection: (@Sendable (Tag) -> String?)?) async throws -> [Digest] {
        try await write { txn in
            guard let repo = try self.repositoryID(repository, txn),
                  try txn.contains(self.db.manifests, Self.repoDigestKey(repo, digest)) else { return [] }
            if let protection, let reason = try self.protectionReason(digest, repo: repo, protection, txn) {
                throw RegistryError.protectedByRule(reason)
            }
            return try self.deleteWithAccessories(digest, repo: repo, repository: repository, txn)
        }
    }

    /// Why deleting `digest` would break an immutable tag: a protected tag on it, on anything it
    /// hangs from (its subjects, the indexes naming it, recursively), or on any of its accessories.
    func protectionReason(_ digest: Digest, repo: UInt32, _ protection: (Tag) -> String?, _ txn: LMDBTransaction) throws -> String? {
        func tags(of manifest: Digest) throws -> [Tag] { try self.tags(of: manifest, repo: repo, txn) }
        var pending = [digest]
        var seen: Set<Digest> = []
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            for tag in try tags(of: next) {
                if let reason = protection(tag) { return "\(digest) cannot be deleted: \(reason)" }
            }
            pending += try subjects(ofAccessory: next, repo: repo, txn)
            pending += try parents(of: next, repo: repo, txn)
        }
        pending = [digest]
        while let next = pending.popLast() {
            let children = try accessoryLinks(of: next, repo: repo, txn).map(\.accessory)
            for child in children where seen.insert(child).inserted {
                for tag in try tags(of: child) {
                    if let reason = protection(tag) { return "\(digest) cannot be deleted: its accessory \(child) is protected: \(reason)" }
                }
                pending.append(child)
            }
        }
        return nil
    }

    /// Removes a manifest and, recursively, every accessory linked to it (signatures of
    /// signatures included), in the caller's transaction. Returns what was removed.
    func deleteWithAccessories(_ digest: Digest, repo: UInt32, repository: RepositoryName, _ txn: LMDBTransaction) throws -> [Digest] {
        var pending = [digest]
        var closure: [Digest] = []
        var seen: Set<Digest> = []
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            closure.append(next)
            pending += try accessoryLinks(of: next, repo: repo, txn).map(\.accessory)
        }
        return try closure.filter { try deleteManifest($0, repo: repo, repository: repository, txn) }
    }

    /// Removes one manifest record with its tags, its own referrer edge, the links to the
    /// subjects it is an accessory of, its back references to its children and, when no other
    /// repository holds it, its document.
    ///
    /// The links of its own accessories stay: they belong to the accessories (written from
    /// their subject field or tag), and go when each accessory goes. An accessory that
    /// outlives its subject (pushed again while a collection removed the subject) is then
    /// attached again the moment the subject is pushed again, as one pushed before its
    /// subject is.
    func deleteManifest(_ digest: Digest, repo: UInt32, repository: RepositoryName, _ txn: LMDBTransaction) throws -> Bool {
        let recordKey = Self.repoDigestKey(repo, digest)
        guard let value = try txn.get(db.manifests, recordKey) else { return false }
        let record = try decodeManifest(value, repository: repository, digest: digest, txn)
        for tag in try tags(of: digest, repo: repo, txn) {
            try txn.delete(db.tags, Self.tagKey(repo, tag.value))
            try txn.delete(db.manifestTags, Self.manifestTagKey(repo, digest, tag))
        }
        for subject in try subjects(ofAccessory: digest, repo: repo, txn) {
            try unlink(accessory: digest, from: subject, flags: [.subjectField, .tagScheme], repo: repo, txn)
        }
        for child in record.children {
            try txn.delete(db.manifestParents, Self.repoDigestKey(repo, child) + digest.indexBytes)
        }
        var checks: [[UInt8]] = []
        try txn.scan(db.signatureChecks, from: recordKey, prefix: recordKey) { key, _ in
            checks.append(Array(key))
            return true
        }
        for key in checks { try txn.delete(db.signatureChecks, key) }
        if let subject = record.subject {
            let type = try record.artifactType.flatMap { try mediaTypeID($0, txn) } ?? 0
            try txn.delete(db.referrers, Self.referrerKey(repo, subject: subject, artifactType: type, referrer: digest))
        }
        try txn.delete(db.manifests, recordKey)
        try txn.delete(db.manifestRepositories, Self.manifestRepositoryKey(digest, repo))
        var stillHeld = false
        try txn.scan(db.manifestRepositories, from: digest.indexBytes, prefix: digest.indexBytes) { _, _ in
            stillHeld = true
            return false
        }
        if !stillHeld { try txn.delete(db.manifestBytes, digest.indexBytes) }
        return true
    }

    public func deleteTag(_ tag: Tag, in repository: RepositoryName, protection: (@Sendable (Tag) -> String?)?) async throws -> Bool {
        try await write { txn in
            guard let repo = try self.repositoryID(repository, txn) else { return false }
            let key = Self.tagKey(repo, tag.value)
            guard let value = try txn.get(self.db.tags, key) else { return false }
            if let reason = protection?(tag) { throw RegistryError.protectedByRule(reason) }
            var reader = BinaryReader(value)
            try self.removeTag(tag, from: try reader.digest(), repo: repo, txn)
            return true
        }
    }

    /// Whether `digest` carries a tag other than a cosign tag-scheme tag (those name an
    /// accessory's subject; they never keep a manifest on their own).
    func hasPlainTag(_ digest: Digest, repo: UInt32, _ txn: LMDBTransaction) throws -> Bool {
        try tags(of: digest, repo: repo, txn).contains { AccessoryClassifier.tagSchemeSubject($0) == nil }
    }

    /// Removes `tag`, which points at `digest`, with its manifest → tag entry and, for a
    /// cosign tag-scheme tag, the accessory link it made.
    func removeTag(_ tag: Tag, from digest: Digest, repo: UInt32, _ txn: LMDBTransaction) throws {
        try txn.delete(db.tags, Self.tagKey(repo, tag.value))
        try txn.delete(db.manifestTags, Self.manifestTagKey(repo, digest, tag))
        if let scheme = AccessoryClassifier.tagSchemeSubject(tag) {
            try unlink(accessory: digest, from: scheme.subject, flags: .tagScheme, repo: repo, txn)
        }
    }

    public func tags(in repository: RepositoryName, after last: String?, limit: Int) throws -> Page<Tag>? {
        try read { txn in
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
        try read { txn in
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
        try read { txn in
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
        try read { txn in
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
