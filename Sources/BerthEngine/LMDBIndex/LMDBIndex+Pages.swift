import BerthModel
import Foundation

/// The paged reads of `ListingPages`: each one cursor walk of the page's own keys.
extension LMDBIndex {
    public func manifests(in repository: RepositoryName, after position: PushOrderPosition?, limit: Int) throws -> Page<ManifestRecord> {
        try lmdbRead { txn in
            guard limit > 0, let repo = try repositoryID(repository, txn) else { return Page(items: [], hasMore: false) }
            let prefix = Self.idKey(repo)
            let start = position.map { Self.pushOrderKey(repo, milliseconds: $0.pushedAtMilliseconds, $0.digest) } ?? prefix
            var items: [ManifestRecord] = []
            var hasMore = false
            try txn.scan(db.manifestsByPush, from: start, prefix: prefix) { key, _ in
                if position != nil, key.elementsEqual(start) { return true }
                if items.count == limit { hasMore = true; return false }
                var reader = BinaryReader(Array(key), offset: 12)
                let digest = try reader.digest()
                guard let value = try txn.get(db.manifests, Self.repoDigestKey(repo, digest)) else {
                    throw IndexCorruption("manifests_by_push names \(digest), which has no manifest record")
                }
                items.append(try decodeManifest(value, repository: repository, digest: digest, txn))
                return true
            }
            return Page(items: items, hasMore: hasMore)
        }
    }

    public func accessoryLinks(of subject: Digest, in repository: RepositoryName, after accessory: Digest?, limit: Int) throws -> Page<AccessoryLink> {
        try lmdbRead { txn in
            guard limit > 0, let repo = try repositoryID(repository, txn) else { return Page(items: [], hasMore: false) }
            let prefix = Self.repoDigestKey(repo, subject)
            let start = accessory.map { prefix + $0.indexBytes } ?? prefix
            var links: [AccessoryLink] = []
            var hasMore = false
            try txn.scan(db.accessories, from: start, prefix: prefix) { key, value in
                if accessory != nil, key.elementsEqual(start) { return true }
                if links.count == limit { hasMore = true; return false }
                var reader = BinaryReader(Array(key), offset: prefix.count)
                links.append(try Self.decodeAccessoryLink(subject: subject, accessory: try reader.digest(), Array(value)))
                return true
            }
            return Page(items: links, hasMore: hasMore)
        }
    }

    public func tagRecords(in repository: RepositoryName, prefix tagPrefix: String, after last: String?, limit: Int) throws -> Page<TagRecord> {
        try lmdbRead { txn in
            guard limit > 0, let repo = try repositoryID(repository, txn) else { return Page(items: [], hasMore: false) }
            // The tag key leads with the lowercased tag, so a case-insensitive prefix is a key prefix.
            let prefix = Self.idKey(repo) + Array(tagPrefix.lowercased().utf8)
            let start = last.map { Self.tagKey(repo, $0) } ?? prefix
            var records: [TagRecord] = []
            var hasMore = false
            try txn.scan(db.tags, from: start, prefix: prefix) { key, value in
                if last != nil, key.elementsEqual(start) { return true }
                if records.count == limit { hasMore = true; return false }
                var reader = BinaryReader(Array(value))
                let digest = try reader.digest()
                records.append(TagRecord(tag: try Self.tag(fromTagKey: key), digest: digest,
                                         taggedAt: Date(millisecondsSince1970: try reader.i64())))
                return true
            }
            return Page(items: records, hasMore: hasMore)
        }
    }

    public func hasAccessory(of subject: Digest, in repository: RepositoryName, where matches: (AccessoryType) -> Bool) throws -> Bool {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn) else { return false }
            let prefix = Self.repoDigestKey(repo, subject)
            var found = false
            try txn.scan(db.accessories, from: prefix, prefix: prefix) { _, value in
                guard let code = value.first, let type = AccessoryType(indexCode: code) else { throw IndexCorruption("unknown accessory type") }
                found = matches(type)
                return !found
            }
            return found
        }
    }

    public func figures(of repository: RepositoryName) throws -> RepositoryFigures? {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn) else { return nil }
            let prefix = Self.idKey(repo)
            var manifests = 0
            var newest: Int64?
            try txn.scan(db.manifestsByPush, from: prefix, prefix: prefix) { key, _ in
                if newest == nil {
                    var reader = BinaryReader(Array(key), offset: 4)
                    newest = Int64.max - (try reader.i64())
                }
                manifests += 1
                return true
            }
            // Distinct accessories: the reverse links of one accessory are adjacent keys.
            var accessories = 0
            var previous: [UInt8] = []
            try txn.scan(db.accessorySubjects, from: prefix, prefix: prefix) { key, _ in
                var reader = BinaryReader(Array(key), offset: 4)
                let accessory = try reader.digest().indexBytes
                if accessory != previous { accessories += 1 }
                previous = accessory
                return true
            }
            var bytes: Int64 = 0
            try txn.scan(db.blobLinks, from: prefix, prefix: prefix) { _, value in
                var reader = BinaryReader(Array(value))
                bytes += try reader.i64()
                return true
            }
            return RepositoryFigures(manifests: manifests, accessories: accessories, lastPush: newest.map { Date(millisecondsSince1970: $0) }, linkedBytes: bytes)
        }
    }
}
