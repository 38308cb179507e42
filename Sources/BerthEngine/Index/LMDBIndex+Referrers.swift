import BerthModel

/// The subject → referrer edges behind the referrers API.
extension LMDBIndex {
    public func referrers(of subject: Digest, in repository: RepositoryName, artifactType: MediaType?) throws -> [Descriptor] {
        try read { txn in
            guard let repo = try repositoryID(repository, txn) else { return [] }
            let prefix: [UInt8]
            if let artifactType {
                // An artifact type never stored has no referrers: nothing to scan.
                guard let type = try mediaTypeID(artifactType, txn) else { return [] }
                prefix = Self.referrerKey(repo, subject: subject, artifactType: type, referrer: nil)
            } else {
                prefix = Self.referrerKey(repo, subject: subject, artifactType: nil, referrer: nil)
            }
            let typeOffset = 4 + 1 + subject.algorithm.byteCount
            var edges: [(type: UInt32, referrer: Digest, value: [UInt8])] = []
            try txn.scan(db.referrers, from: prefix, prefix: prefix) { key, value in
                var reader = BinaryReader(Array(key), offset: typeOffset)
                edges.append((try reader.u32(), try reader.digest(), Array(value)))
                return true
            }
            return try edges.map { edge in
                var reader = BinaryReader(edge.value)
                let mediaType = try mediaType(try reader.u32(), txn)
                let size = try reader.i64()
                var annotations: [String: String] = [:]
                for _ in 0..<Int(try reader.u32()) {
                    let key = try reader.string()
                    annotations[key] = try reader.string()
                }
                return Descriptor(
                    mediaType: mediaType, digest: edge.referrer, size: size,
                    annotations: annotations.isEmpty ? nil : annotations,
                    artifactType: edge.type == 0 ? nil : try self.mediaType(edge.type, txn))
            }
        }
    }
}
