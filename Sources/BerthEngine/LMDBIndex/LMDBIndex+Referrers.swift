import BerthModel

/// The subject → referrer edges behind the referrers API.
extension LMDBIndex {
    public func referrers(of subject: Digest, in repository: RepositoryName, artifactType: MediaType?) throws -> [Descriptor] {
        try referrers(of: subject, in: repository, artifactType: artifactType, after: nil, limit: Int.max).items
    }

    public func referrers(of subject: Digest, in repository: RepositoryName, artifactType: MediaType?,
                          after cursor: ReferrerCursor?, limit: Int) throws -> Page<Descriptor> {
        try lmdbRead { txn in
            guard limit > 0, let repo = try repositoryID(repository, txn) else { return Page(items: [], hasMore: false) }
            let prefix: [UInt8]
            if let artifactType {
                // An artifact type never stored has no referrers: nothing to scan.
                guard let type = try mediaTypeID(artifactType, txn) else { return Page(items: [], hasMore: false) }
                prefix = Self.referrerKey(repo, subject: subject, artifactType: type, referrer: nil)
            } else {
                prefix = Self.referrerKey(repo, subject: subject, artifactType: nil, referrer: nil)
            }
            let typeOffset = 4 + 1 + subject.algorithm.byteCount
            let start = try cursorKey(cursor, repo: repo, subject: subject, typeOffset: typeOffset, prefix: prefix, txn) ?? prefix
            var edges: [(type: UInt32, referrer: Digest, value: [UInt8])] = []
            var hasMore = false
            try txn.scan(db.referrers, from: start, prefix: prefix) { key, value in
                if start != prefix, key.elementsEqual(start) { return true }
                if edges.count == limit {
                    hasMore = true
                    return false
                }
                var reader = BinaryReader(Array(key), offset: typeOffset)
                edges.append((try reader.u32(), try reader.digest(), Array(value)))
                return true
            }
            // A page names a handful of media types a thousand times: look each up once.
            var names: [UInt32: MediaType] = [:]
            func name(_ id: UInt32) throws -> MediaType {
                if let known = names[id] { return known }
                let found = try mediaType(id, txn)
                names[id] = found
                return found
            }
            let items = try edges.map { edge in
                var reader = BinaryReader(edge.value)
                let mediaType = try name(try reader.u32())
                let size = try reader.i64()
                var annotations: [String: String] = [:]
                for _ in 0..<Int(try reader.u32()) {
                    let key = try reader.string()
                    annotations[key] = try reader.string()
                }
                return Descriptor(
                    mediaType: mediaType, digest: edge.referrer, size: size,
                    annotations: annotations.isEmpty ? nil : annotations,
                    artifactType: edge.type == 0 ? nil : try name(edge.type))
            }
            return Page(items: items, hasMore: hasMore)
        }
    }

    /// The key a page resumes after, or nil to start at the beginning.
    private func cursorKey(_ cursor: ReferrerCursor?, repo: UInt32, subject: Digest, typeOffset: Int, prefix: [UInt8],
                           _ txn: LMDBTransaction) throws -> [UInt8]? {
        switch cursor {
        case nil:
            return nil
        case .after(let digest, let artifactType):
            guard let artifactType else { return Self.referrerKey(repo, subject: subject, artifactType: 0, referrer: digest) }
            // Media type ids are never reused or removed, so a type a page returned still has its id.
            guard let type = try mediaTypeID(artifactType, txn) else { return nil }
            return Self.referrerKey(repo, subject: subject, artifactType: type, referrer: digest)
        case .afterDigest(let digest):
            var found: [UInt8]?
            let all = Self.referrerKey(repo, subject: subject, artifactType: nil, referrer: nil)
            try txn.scan(db.referrers, from: all, prefix: all) { key, _ in
                var reader = BinaryReader(Array(key), offset: typeOffset)
                _ = try reader.u32()
                if try reader.digest() == digest {
                    found = Array(key)
                    return false
                }
                return true
            }
            // Within a filtered listing, a referrer of another type is no position in it.
            guard let found, found.starts(with: prefix) else { return nil }
            return found
        }
    }
}
