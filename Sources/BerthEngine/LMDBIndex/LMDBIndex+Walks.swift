import BerthModel
import Foundation

/// Whole-index walks for fsck and GC, and the check and repair of the derived entries.
extension LMDBIndex {
    public func forEachManifest(_ body: (ManifestRecord) throws -> Void) throws {
        try lmdbRead { txn in
            var names = RepositoryNameCache()
            try txn.scan(db.manifests, from: [], prefix: []) { key, value in
                var reader = BinaryReader(Array(key))
                let name = try names.name(try reader.u32(), self, txn)
                let digest = try reader.digest()
                try body(try decodeManifest(Array(value), repository: name, digest: digest, txn))
                return true
            }
        }
    }

    public func forEachBlobLink(_ body: (RepositoryName, BlobLink) throws -> Void) throws {
        try lmdbRead { txn in
            var names = RepositoryNameCache()
            try txn.scan(db.blobLinks, from: [], prefix: []) { key, value in
                var reader = BinaryReader(Array(key))
                let name = try names.name(try reader.u32(), self, txn)
                try body(name, try Self.decodeLink(try reader.digest(), Array(value)))
                return true
            }
        }
    }

    public func forEachTag(_ body: (RepositoryName, Tag, Digest) throws -> Void) throws {
        try lmdbRead { txn in
            var names = RepositoryNameCache()
            try txn.scan(db.tags, from: [], prefix: []) { key, value in
                var keyReader = BinaryReader(Array(key))
                let name = try names.name(try keyReader.u32(), self, txn)
                var valueReader = BinaryReader(Array(value))
                try body(name, try Self.tag(fromTagKey: key), try valueReader.digest())
                return true
            }
        }
    }

    /// Calls `body` once for every manifest that at least one tag names, leaving out tags that
    /// `isIgnored` rejects (for GC: cosign tag-scheme tags, which never make a root).
    ///
    /// Walks the manifest → tag index, where the tags of one manifest are adjacent, and once a
    /// manifest has a tag that counts, seeks past the rest of them: the cost grows with the
    /// tagged manifests, not with the tags (a manifest with 700 000 tags costs one seek).
    public func forEachTaggedManifest(ignoringTags isIgnored: (Tag) -> Bool,
                                      _ body: (RepositoryName, Digest) throws -> Void) throws {
        try lmdbRead { txn in
            var names = RepositoryNameCache()
            var start: [UInt8] = []
            while true {
                var found: (repo: UInt32, digest: Digest, next: [UInt8])?
                try txn.scan(db.manifestTags, from: start, prefix: []) { key, _ in
                    let entry = try Self.manifestTag(fromKey: key)
                    guard !isIgnored(entry.tag) else { return true }
                    // Tags are ASCII, so every key of this manifest sorts below ‖ 0xFF.
                    found = (entry.repo, entry.digest, Array(key[..<entry.manifestKeyLength]) + [0xFF])
                    return false
                }
                guard let found else { return }
                try body(try names.name(found.repo, self, txn), found.digest)
                start = found.next
            }
        }
    }

    /// Entries of the manifest → tag index that no tag backs: the tag is gone, or names another
    /// manifest. Every write keeps the two in step, so these come only from damage; GC would
    /// count their manifests as tagged.
    public func staleTagIndexEntries() throws -> [(repository: RepositoryName, digest: Digest, tag: Tag)] {
        try lmdbRead { txn in
            var names = RepositoryNameCache()
            return try staleTagIndexEntries(txn).map { (try names.name($0.repo, self, txn), $0.digest, $0.tag) }
        }
    }

    private func staleTagIndexEntries(_ txn: LMDBTransaction) throws -> [(key: [UInt8], repo: UInt32, digest: Digest, tag: Tag)] {
        var stale: [(key: [UInt8], repo: UInt32, digest: Digest, tag: Tag)] = []
        try txn.scan(db.manifestTags, from: [], prefix: []) { key, _ in
            let entry = try Self.manifestTag(fromKey: key)
            let current = try txn.get(db.tags, Self.tagKey(entry.repo, entry.tag.value)).map { value in
                var valueReader = BinaryReader(value)
                return try valueReader.digest()
            }
            if current != entry.digest { stale.append((Array(key), entry.repo, entry.digest, entry.tag)) }
            return true
        }
        return stale
    }

    public func unindexedTags() throws -> [(repository: RepositoryName, digest: Digest, tag: Tag)] {
        try lmdbRead { txn in
            var names = RepositoryNameCache()
            return try unindexedTags(txn).map { (try names.name($0.repo, self, txn), $0.digest, $0.tag) }
        }
    }

    /// Tags of present manifests without their manifest → tag entry: GC, which finds its roots
    /// in that index, would take their manifests for untagged.
    private func unindexedTags(_ txn: LMDBTransaction) throws -> [(repo: UInt32, digest: Digest, tag: Tag)] {
        var missing: [(repo: UInt32, digest: Digest, tag: Tag)] = []
        try txn.scan(db.tags, from: [], prefix: []) { key, value in
            var keyReader = BinaryReader(Array(key))
            let repo = try keyReader.u32()
            var valueReader = BinaryReader(Array(value))
            let digest = try valueReader.digest()
            let tag = try Self.tag(fromTagKey: key)
            if try txn.contains(db.manifests, Self.repoDigestKey(repo, digest)),
               try !txn.contains(db.manifestTags, Self.manifestTagKey(repo, digest, tag)) {
                missing.append((repo, digest, tag))
            }
            return true
        }
        return missing
    }

    public func forEachReferrerEdge(_ body: (RepositoryName, Digest, Digest) throws -> Void) throws {
        try lmdbRead { txn in
            var names = RepositoryNameCache()
            try txn.scan(db.referrers, from: [], prefix: []) { key, _ in
                var reader = BinaryReader(Array(key))
                let name = try names.name(try reader.u32(), self, txn)
                let subject = try reader.digest()
                _ = try reader.u32()
                try body(name, subject, try reader.digest())
                return true
            }
        }
    }

    public func orphanDocuments() throws -> [Digest] {
        try lmdbRead { txn in try orphanDocuments(txn) }
    }

    /// Documents that no repository's manifest record names. Judged by the records, not by the
    /// manifest → repository entries (damage to those never costs a needed document): the
    /// entries only point at the repositories to look in first, and a document they do not show
    /// held is looked for in every repository.
    private func orphanDocuments(_ txn: LMDBTransaction) throws -> [Digest] {
        var repositories: [UInt32]?
        var orphans: [Digest] = []
        try txn.scan(db.manifestBytes, from: [], prefix: []) { key, _ in
            let prefix = Array(key)
            var reader = BinaryReader(prefix)
            let digest = try reader.digest()
            var held = false
            try txn.scan(db.manifestRepositories, from: prefix, prefix: prefix) { entry, _ in
                var entryReader = BinaryReader(Array(entry), offset: prefix.count)
                held = try txn.contains(db.manifests, Self.repoDigestKey(try entryReader.u32(), digest))
                return !held
            }
            if !held {
                let all = try repositories ?? allRepositoryIDs(txn)
                repositories = all
                held = try all.contains { try txn.contains(db.manifests, Self.repoDigestKey($0, digest)) }
            }
            if !held { orphans.append(digest) }
            return true
        }
        return orphans
    }

    public func pushOrderMismatches() throws -> (missing: [String], stale: [String]) {
        try lmdbRead { txn in
            let found = try pushOrderMismatches(txn)
            var names = RepositoryNameCache()
            return (try found.missing.map { "\(try names.name($0.repo, self, txn))@\($0.digest)" },
                    try found.stale.map { "\(try names.name($0.repo, self, txn))@\($0.digest)" })
        }
    }

    /// The push-time keys the records call for and lack, and the ones present that no record
    /// calls for.
    private func pushOrderMismatches(_ txn: LMDBTransaction) throws -> (missing: [(key: [UInt8], repo: UInt32, digest: Digest)],
                                                                         stale: [(key: [UInt8], repo: UInt32, digest: Digest)]) {
        var missing: [(key: [UInt8], repo: UInt32, digest: Digest)] = []
        var stale: [(key: [UInt8], repo: UInt32, digest: Digest)] = []
        try txn.scan(db.manifests, from: [], prefix: []) { key, value in
            var reader = BinaryReader(Array(key))
            let repo = try reader.u32()
            let digest = try reader.digest()
            let expected = Self.pushOrderKey(repo, milliseconds: try Self.pushedMilliseconds(ofRecord: Array(value)), digest)
            if try !txn.contains(db.manifestsByPush, expected) { missing.append((expected, repo, digest)) }
            return true
        }
        try txn.scan(db.manifestsByPush, from: [], prefix: []) { key, _ in
            var reader = BinaryReader(Array(key))
            let repo = try reader.u32()
            let milliseconds = Int64.max - (try reader.i64())
            let digest = try reader.digest()
            let record = try txn.get(db.manifests, Self.repoDigestKey(repo, digest))
            if try record.map({ try Self.pushedMilliseconds(ofRecord: $0) }) != milliseconds { stale.append((Array(key), repo, digest)) }
            return true
        }
        return (missing, stale)
    }

    public func repairDerivedEntries() async throws -> [String] {
        try await lmdbWrite { txn in
            var changes: [String] = []
            var names = RepositoryNameCache()
            func name(_ repo: UInt32) throws -> RepositoryName { try names.name(repo, self, txn) }
            // The manifest → tag entries no tag backs any more: GC would count their manifests as tagged.
            for entry in try self.staleTagIndexEntries(txn) {
                try txn.delete(self.db.manifestTags, entry.key)
                changes.append("removed tag index entry \(try name(entry.repo)):\(entry.tag) -> \(entry.digest) (tag gone or moved)")
            }
            // And the entries tags lack: written again from the tag, which is the truth.
            for entry in try self.unindexedTags(txn) {
                try txn.put(self.db.manifestTags, Self.manifestTagKey(entry.repo, entry.digest, entry.tag), [UInt8]())
                changes.append("wrote the missing tag index entry \(try name(entry.repo)):\(entry.tag) -> \(entry.digest)")
            }
            var danglingEdges: [[UInt8]] = []
            try txn.scan(self.db.referrers, from: [], prefix: []) { key, _ in
                var reader = BinaryReader(Array(key))
                let repo = try reader.u32()
                let subject = try reader.digest()
                _ = try reader.u32()
                let referrer = try reader.digest()
                if try !txn.contains(self.db.manifests, Self.repoDigestKey(repo, referrer)) {
                    danglingEdges.append(Array(key))
                    changes.append("removed referrer edge \(try name(repo))@\(subject) <- \(referrer) (referrer missing)")
                }
                return true
            }
            for key in danglingEdges { try txn.delete(self.db.referrers, key) }
            for digest in try self.orphanDocuments(txn) {
                try txn.delete(self.db.manifestBytes, digest.indexBytes)
                changes.append("removed manifest document \(digest) (no manifest holds it)")
            }
            let order = try self.pushOrderMismatches(txn)
            for entry in order.stale {
                try txn.delete(self.db.manifestsByPush, entry.key)
                changes.append("removed push-time entry \(try name(entry.repo))@\(entry.digest) (no record backs it)")
            }
            for entry in order.missing {
                try txn.put(self.db.manifestsByPush, entry.key, [UInt8]())
                changes.append("wrote the missing push-time entry \(try name(entry.repo))@\(entry.digest)")
            }
            return changes
        }
    }
}

/// Repository names looked up by id at most once per walk.
struct RepositoryNameCache {
    private var names: [UInt32: RepositoryName] = [:]

    mutating func name(_ id: UInt32, _ index: LMDBIndex, _ txn: LMDBTransaction) throws -> RepositoryName {
        if let known = names[id] { return known }
        let found = try index.repositoryName(id, txn)
        names[id] = found
        return found
    }
}
