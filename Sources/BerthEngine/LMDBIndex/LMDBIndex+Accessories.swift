import BerthModel
import Foundation

/// Subject → accessory links, and index → child back references.
extension LMDBIndex {
    // MARK: Reads

    public func accessoryLinks(of subject: Digest, in repository: RepositoryName) throws -> [AccessoryLink] {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn) else { return [] }
            return try accessoryLinks(of: subject, repo: repo, txn)
        }
    }

    public func subjects(ofAccessory accessory: Digest, in repository: RepositoryName) throws -> [Digest] {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn) else { return [] }
            return try subjects(ofAccessory: accessory, repo: repo, txn)
        }
    }

    public func parents(of child: Digest, in repository: RepositoryName) throws -> [Digest] {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn) else { return [] }
            return try parents(of: child, repo: repo, txn)
        }
    }

    public func forEachAccessoryLink(_ body: (RepositoryName, AccessoryLink) throws -> Void) throws {
        try lmdbRead { txn in
            var names = RepositoryNameCache()
            try txn.scan(db.accessories, from: [], prefix: []) { key, value in
                var reader = BinaryReader(Array(key))
                let name = try names.name(try reader.u32(), self, txn)
                let subject = try reader.digest()
                try body(name, try Self.decodeAccessoryLink(subject: subject, accessory: try reader.digest(), Array(value)))
                return true
            }
        }
    }

    func accessoryLinks(of subject: Digest, repo: UInt32, _ txn: LMDBTransaction) throws -> [AccessoryLink] {
        let prefix = Self.repoDigestKey(repo, subject)
        var links: [AccessoryLink] = []
        try txn.scan(db.accessories, from: prefix, prefix: prefix) { key, value in
            var reader = BinaryReader(Array(key), offset: prefix.count)
            links.append(try Self.decodeAccessoryLink(subject: subject, accessory: try reader.digest(), Array(value)))
            return true
        }
        return links
    }

    func subjects(ofAccessory accessory: Digest, repo: UInt32, _ txn: LMDBTransaction) throws -> [Digest] {
        try digestsAfter(prefix: Self.repoDigestKey(repo, accessory), in: db.accessorySubjects, txn)
    }

    /// The indexes that name `child`. A parent edge lives only while its index does.
    func parents(of child: Digest, repo: UInt32, _ txn: LMDBTransaction) throws -> [Digest] {
        try digestsAfter(prefix: Self.repoDigestKey(repo, child), in: db.manifestParents, txn)
    }

    private func digestsAfter(prefix: [UInt8], in database: LMDBDatabase, _ txn: LMDBTransaction) throws -> [Digest] {
        var digests: [Digest] = []
        try txn.scan(database, from: prefix, prefix: prefix) { key, _ in
            var reader = BinaryReader(Array(key), offset: prefix.count)
            digests.append(try reader.digest())
            return true
        }
        return digests
    }

    public func signatureCheck(_ signature: Digest, subject: Digest, key: [UInt8], in repository: RepositoryName) throws -> Bool? {
        try lmdbRead { txn in
            guard let repo = try repositoryID(repository, txn),
                  let value = try txn.get(db.signatureChecks, Self.repoDigestKey(repo, signature) + subject.indexBytes + key) else { return nil }
            return value.first == 1
        }
    }

    public func recordSignatureCheck(_ signature: Digest, subject: Digest, key: [UInt8], in repository: RepositoryName, verified: Bool) async throws {
        try await lmdbWrite { txn in
            guard let repo = try self.repositoryID(repository, txn) else { return }
            try txn.put(self.db.signatureChecks, Self.repoDigestKey(repo, signature) + subject.indexBytes + key, [verified ? 1 : 0] as [UInt8])
        }
    }

    static func decodeAccessoryLink(subject: Digest, accessory: Digest, _ value: [UInt8]) throws -> AccessoryLink {
        var reader = BinaryReader(value)
        let code = try reader.u8()
        guard let type = AccessoryType(indexCode: code) else { throw IndexCorruption("unknown accessory type \(code)") }
        let flags = AccessoryLinkFlags(rawValue: try reader.u8())
        return AccessoryLink(subject: subject, accessory: accessory, type: type,
                             viaSubjectField: flags.contains(.subjectField), viaTagScheme: flags.contains(.tagScheme),
                             linkedAt: Date(millisecondsSince1970: try reader.i64()))
    }
}

extension AccessoryType {
    /// The type's one-byte code in the index. Never renumber: it is on disk.
    var indexCode: UInt8 {
        switch self {
        case .cosignSignature: 1
        case .notationSignature: 2
        case .attestation: 3
        case .sbom: 4
        case .generic: 5
        }
    }

    init?(indexCode: UInt8) {
        guard let type = Self.allCases.first(where: { $0.indexCode == indexCode }) else { return nil }
        self = type
    }
}
