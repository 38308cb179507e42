import Foundation

/// Docker Content Trust's files in the `trust` database. A GUN may be 500 bytes long, too long
/// to lead keys under LMDB's 511-byte limit with a role and a version after it, so keys lead
/// with its SHA-256:
///
/// | kind | key after the kind | value |
/// |---|---|---|
/// | 1 file | sha256(gun) ‖ role ‖ 0x00 ‖ version (i64) | the file |
/// | 2 current | sha256(gun) ‖ role | version (i64) |
/// | 3 checksum | sha256(gun) ‖ role ‖ 0x00 ‖ sha256(file) | version (i64) |
/// | 4 name | sha256(gun) | the GUN |
/// | 5 repository | repository name ‖ 0x00 ‖ sha256(gun) | the GUN (the GUNs naming a repository, for signed-only pulls) |
extension LMDBIndex {
    enum TrustKey {
        static let file: UInt8 = 1, current: UInt8 = 2, checksum: UInt8 = 3, name: UInt8 = 4, repository: UInt8 = 5

        /// The repository part of a GUN (after its host), as bytes; empty for a GUN without one.
        static func repositoryPart(of gun: String) -> [UInt8] {
            guard let slash = gun.firstIndex(of: "/") else { return [] }
            return Array(gun[gun.index(after: slash)...].utf8)
        }

        /// What keys carry of a GUN: its SHA-256 (computed once per call, then passed as `id`).
        static func gun(_ gun: String) -> [UInt8] { (try? ContentHasher.digest(of: Array(gun.utf8)).rawBytes) ?? [] }

        static func file(_ id: [UInt8], _ role: String, _ version: Int64) -> [UInt8] {
            var w = BinaryWriter()
            w.i64(version)
            return [file] + id + Array(role.utf8) + [0] + w.bytes
        }

        static func current(_ id: [UInt8], _ role: String) -> [UInt8] { [current] + id + Array(role.utf8) }

        static func checksum(_ id: [UInt8], _ role: String, _ sha256: [UInt8]) -> [UInt8] { [checksum] + id + Array(role.utf8) + [0] + sha256 }
    }

    static func version(_ bytes: [UInt8]) throws -> Int64 {
        var reader = BinaryReader(bytes)
        return try reader.i64()
    }

    func trustFile(gun: String, role: String, _ txn: LMDBTransaction) throws -> TrustFile? {
        let id = TrustKey.gun(gun)
        guard let stored = try txn.get(db.trust, TrustKey.current(id, role)) else { return nil }
        let version = try Self.version(stored)
        guard let bytes = try txn.get(db.trust, TrustKey.file(id, role, version)) else {
            throw IndexCorruption("trust: \(gun) \(role) names version \(version), which is not stored")
        }
        return TrustFile(version: version, bytes: bytes)
    }

    func trustFiles(gun: String, _ txn: LMDBTransaction) throws -> [String: TrustFile] {
        let id = TrustKey.gun(gun)
        let prefix = [TrustKey.current] + id
        var versions: [(String, Int64)] = []
        try txn.scan(db.trust, from: prefix, prefix: prefix) { key, value in
            versions.append((String(decoding: key.dropFirst(prefix.count), as: UTF8.self), try Self.version(Array(value))))
            return true
        }
        var files: [String: TrustFile] = [:]
        for (role, version) in versions {
            guard let bytes = try txn.get(db.trust, TrustKey.file(id, role, version)) else {
                throw IndexCorruption("trust: \(gun) \(role) names version \(version), which is not stored")
            }
            files[role] = TrustFile(version: version, bytes: bytes)
        }
        return files
    }

    public func trustFile(gun: String, role: String) throws -> TrustFile? {
        try lmdbRead { txn in try trustFile(gun: gun, role: role, txn) }
    }

    public func trustFile(gun: String, role: String, version: Int64) throws -> TrustFile? {
        try lmdbRead { txn in try txn.get(db.trust, TrustKey.file(TrustKey.gun(gun), role, version)).map { TrustFile(version: version, bytes: $0) } }
    }

    public func trustFile(gun: String, role: String, sha256: [UInt8]) throws -> TrustFile? {
        try lmdbRead { txn in
            let id = TrustKey.gun(gun)
            guard let stored = try txn.get(db.trust, TrustKey.checksum(id, role, sha256)) else { return nil }
            let version = try Self.version(stored)
            return try txn.get(db.trust, TrustKey.file(id, role, version)).map { TrustFile(version: version, bytes: $0) }
        }
    }

    public func trustFiles(gun: String) throws -> [String: TrustFile] {
        try lmdbRead { txn in try trustFiles(gun: gun, txn) }
    }

    public func trustNames(ofRepository repository: String) throws -> [String] {
        try lmdbRead { txn in
            let prefix: [UInt8] = [TrustKey.repository] + Array(repository.utf8) + [0]
            var names: [String] = []
            try txn.scan(db.trust, from: prefix, prefix: prefix) { _, value in
                names.append(String(decoding: value, as: UTF8.self))
                return true
            }
            return names
        }
    }

    public func trustNames() throws -> [String] {
        try lmdbRead { txn in
            var names: [String] = []
            try txn.scan(db.trust, from: [TrustKey.name], prefix: [TrustKey.name]) { _, value in
                names.append(String(decoding: value, as: UTF8.self))
                return true
            }
            return names.sorted()
        }
    }
}

extension LMDBIndexTransaction {
    func trustFiles(gun: String) throws -> [String: TrustFile] {
        try index.trustFiles(gun: gun, txn)
    }

    func putTrustFile(gun: String, role: String, file: TrustFile) throws {
        var version = BinaryWriter()
        version.i64(file.version)
        let id = LMDBIndex.TrustKey.gun(gun)
        try txn.put(index.db.trust, LMDBIndex.TrustKey.file(id, role, file.version), file.bytes)
        try txn.put(index.db.trust, LMDBIndex.TrustKey.current(id, role), version.bytes)
        let checksum = try ContentHasher.digest(of: file.bytes).rawBytes
        try txn.put(index.db.trust, LMDBIndex.TrustKey.checksum(id, role, checksum), version.bytes)
        try txn.put(index.db.trust, [LMDBIndex.TrustKey.name] + id, Array(gun.utf8))
        try txn.put(index.db.trust, [LMDBIndex.TrustKey.repository] + LMDBIndex.TrustKey.repositoryPart(of: gun) + [0] + id, Array(gun.utf8))
    }

    func removeTrust(gun: String) throws -> Int {
        let hashed = LMDBIndex.TrustKey.gun(gun)
        var keys: [[UInt8]] = []
        var files = 0
        for kind in [LMDBIndex.TrustKey.file, LMDBIndex.TrustKey.current, LMDBIndex.TrustKey.checksum, LMDBIndex.TrustKey.name] {
            let prefix = [kind] + hashed
            try txn.scan(index.db.trust, from: prefix, prefix: prefix) { key, _ in
                keys.append(Array(key))
                if kind == LMDBIndex.TrustKey.file { files += 1 }
                return true
            }
        }
        keys.append([LMDBIndex.TrustKey.repository] + LMDBIndex.TrustKey.repositoryPart(of: gun) + [0] + hashed)
        for key in keys { try txn.delete(index.db.trust, key) }
        return files
    }
}
