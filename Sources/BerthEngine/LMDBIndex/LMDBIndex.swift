import BerthModel
import Foundation

/// The LMDB implementation of `MetadataIndex`: one environment, named databases, one writer.
/// It stores and transacts (`LMDBIndexTransaction` is its primitive transaction); the rules
/// that decide what a write does live in `Rules/` and run inside it.
///
/// Schema (version 2; `Docs/index-schema.md` is the full description). `‖` is concatenation,
/// `repo` and `type` are 4-byte big-endian ids, `digest` is one algorithm byte then the raw hash:
///
/// | database               | key                                         | value |
/// |------------------------|---------------------------------------------|-------|
/// | meta                   | ASCII name                                  | u32 (schema version, id counters) |
/// | repositories           | repository name (UTF-8)                     | repo ‖ created ms |
/// | repository_names       | repo                                        | repository name |
/// | media_types            | media type (UTF-8)                          | type |
/// | media_type_names       | type                                        | media type |
/// | tags                   | repo ‖ lowercase(tag) ‖ 0x00 ‖ tag          | digest ‖ tagged ms |
/// | manifest_tags          | repo ‖ digest ‖ tag                         | empty |
/// | manifests              | repo ‖ digest                               | `ManifestRecord` encoding |
/// | manifest_repositories  | digest ‖ repo                               | last push ms |
/// | manifest_bytes         | digest                                      | encoding byte ‖ bytes (0 raw, 1 zstd) |
/// | referrers              | repo ‖ subject ‖ artifact type ‖ referrer   | media type ‖ size ‖ annotations |
/// | blob_links             | repo ‖ digest                               | size ‖ linked ms |
/// | uploads                | 16-byte upload id                           | repository name ‖ offset ‖ created ms ‖ updated ms |
/// | accessories            | repo ‖ subject ‖ accessory                  | type ‖ link flags ‖ linked ms |
/// | accessory_subjects     | repo ‖ accessory ‖ subject                  | empty (the reverse edge) |
/// | manifest_parents       | repo ‖ child ‖ index                        | empty (indexes naming a manifest) |
/// | settings               | ASCII name                                  | JSON document (rules and policies) |
/// | access                 | kind ‖ 0x00 ‖ key (users, projects, members) | JSON record |
/// | audit                  | ms ‖ sequence (8 + 4 bytes)                  | JSON event |
/// | signature_checks       | repo ‖ signature ‖ subject ‖ sha256(key)    | 1 verified, 0 not (cache of the signed-only check) |
/// | replication            | kind ‖ key (`ReplicationRecordKind`)        | JSON record (executions, tasks, rule state) |
/// | manifests_by_push      | repo ‖ (i64.max − pushed ms) ‖ digest       | empty (newest push first, for paged listings) |
/// | trust                  | kind ‖ sha256(gun) ‖ role ‖ …               | TUF files by version, current version, by checksum, GUN names |
///
/// Names and media types become small ids so that no valid name or type can push a key past
/// LMDB's 511-byte limit; the artifact type sits inside the referrers key so that a filtered
/// referrers listing is a prefix scan, O(matches). The tags key leads with the lowercased tag
/// so that LMDB's bytewise order is the listing's case-insensitive order.
public final class LMDBIndex: MetadataIndex, @unchecked Sendable {
    // @unchecked: the environment is thread-safe for readers, every write goes through
    // `writer`, and the database handles are immutable after `init`.

    /// The on-disk layout version this code reads and writes.
    static let schemaVersion: UInt32 = 2

    let environment: LMDBEnvironment
    let writer: LMDBWriter?
    let db: Databases
    /// Manifest documents larger than this are stored zstd-compressed when that saves space.
    let compressionThreshold: Int

    struct Databases: Sendable {
        let meta, repositories, repositoryNames, mediaTypes, mediaTypeNames: LMDBDatabase
        let tags, manifestTags, manifests, manifestRepositories, manifestBytes: LMDBDatabase
        let referrers, blobLinks, uploads: LMDBDatabase
        let accessories, accessorySubjects, manifestParents, settings, signatureChecks: LMDBDatabase
        let access, audit, replication, manifestsByPush, trust: LMDBDatabase
    }

    /// Opens (creating if needed) the index in `directory`.
    /// - Parameters:
    ///   - mapSize: the address space reserved for the map; sparse, so only used pages cost disk.
    ///   - readOnly: open for reading beside a process that owns the root.
    ///   - report: told about every write transaction, on the writer's thread, after it
    ///     committed and before any caller of it resumes, so figures read after an
    ///     acknowledged write include it (keep it short: the callers and the next transaction
    ///     wait for it).
    public init(directory: String, mapSize: Int = 1 << 40, readOnly: Bool = false, compressionThreshold: Int = 1024,
                report: (@Sendable (IndexWriteBatch) -> Void)? = nil) throws(RegistryError) {
        self.compressionThreshold = compressionThreshold
        do {
            let environment = try LMDBEnvironment(directory: directory, mapSize: mapSize, maxDatabases: 32, readOnly: readOnly)
            self.environment = environment
            let open: (LMDBTransaction) throws -> Databases = { txn in
                func named(_ name: String) throws -> LMDBDatabase {
                    try environment.openDatabase(named: name, in: txn, create: !readOnly)
                }
                return Databases(
                    meta: try named("meta"), repositories: try named("repositories"),
                    repositoryNames: try named("repository_names"), mediaTypes: try named("media_types"),
                    mediaTypeNames: try named("media_type_names"), tags: try named("tags"),
                    manifestTags: try named("manifest_tags"), manifests: try named("manifests"),
                    manifestRepositories: try named("manifest_repositories"),
                    manifestBytes: try named("manifest_bytes"), referrers: try named("referrers"),
                    blobLinks: try named("blob_links"), uploads: try named("uploads"),
                    accessories: try named("accessories"), accessorySubjects: try named("accessory_subjects"),
                    manifestParents: try named("manifest_parents"), settings: try named("settings"),
                    signatureChecks: try named("signature_checks"),
                    access: try named("access"), audit: try named("audit"),
                    replication: try named("replication"), manifestsByPush: try named("manifests_by_push"),
                    trust: try named("trust"))
            }
            if readOnly {
                // Handles opened in a transaction die with it unless it commits (lmdb.h,
                // mdb_dbi_open), so this read transaction is committed, not aborted.
                let txn = try environment.begin(parent: nil, readOnly: true)
                let databases = try open(txn)
                try Self.checkSchema(txn, databases, writable: false)
                try txn.commit()
                self.db = databases
                self.writer = nil
            } else {
                // Databases and the schema record are written on this thread before the writer
                // thread exists, so no other write can be running.
                let txn = try environment.begin(parent: nil, readOnly: false)
                let databases = try open(txn)
                try Self.checkSchema(txn, databases, writable: true)
                self.db = databases
                try txn.commit()
                // LMDB syncs its files but never the directory that holds them: on a first
                // start, the entries of data.mdb and lock.mdb are made durable here, before
                // anything is acknowledged (invariant 3).
                try POSIXFile.fsyncDirectory(directory)
                // Counts inside the transaction (its own state); the map's use after it committed
                // (mdb_env_info reads the last committed meta page).
                let reporting = report.map { report in
                    LMDBWriter.Reporting(
                        inspect: { txn in
                            guard let manifests = try? txn.count(databases.manifests), let tags = try? txn.count(databases.tags) else { return nil }
                            return IndexFigures(manifests: manifests, tags: tags)
                        },
                        report: { batch in
                            var batch = batch
                            if batch.figures != nil, let map = try? environment.mapUsage() {
                                batch.figures?.storageUsed = map.used
                                batch.figures?.storageCapacity = map.size
                            }
                            report(batch)
                        })
                }
                self.writer = LMDBWriter(environment: environment, reporting: reporting)
            }
        } catch {
            throw RegistryError(error)
        }
    }

    deinit { close() }

    public func close() {
        writer?.stop()
        environment.close()
    }

    public func figures() throws -> IndexFigures {
        try lmdbRead { txn in try Self.figures(txn, db, environment) }
    }

    /// Counts from the databases' own statistics (no walk) and the map's use.
    private static func figures(_ txn: LMDBTransaction, _ db: Databases, _ environment: LMDBEnvironment) throws -> IndexFigures {
        let map = try environment.mapUsage()
        return IndexFigures(manifests: try txn.count(db.manifests), tags: try txn.count(db.tags),
                            storageUsed: map.used, storageCapacity: map.size)
    }

    /// Checks the stored layout version. A writable open of a version-1 index migrates it to
    /// version 2 in the opening transaction (it builds `manifests_by_push` from the manifest
    /// records); the version is raised with it, so a build that predates that index refuses
    /// the store instead of writing manifests the push-time index would then lack.
    private static func checkSchema(_ txn: LMDBTransaction, _ db: Databases, writable: Bool) throws {
        let key = Array("schema".utf8)
        var w = BinaryWriter()
        w.u32(schemaVersion)
        guard let stored = try txn.get(db.meta, key) else {
            if writable { try txn.put(db.meta, key, w.bytes) }
            return
        }
        var reader = BinaryReader(stored)
        let version = try reader.u32()
        if version == 1, writable {
            try buildPushOrder(txn, db)
            try txn.put(db.meta, key, w.bytes)
            return
        }
        guard version == schemaVersion else {
            let hint = version == 1 ? " until a writable open (berth serve, berth fsck without --read-only) migrates it" : ""
            throw RegistryError.storage("index schema version \(version) is not supported by this build (expects \(schemaVersion))\(hint)")
        }
    }

    /// Writes the push-time entry of every manifest record (the version 1 → 2 migration).
    private static func buildPushOrder(_ txn: LMDBTransaction, _ db: Databases) throws {
        var entries: [[UInt8]] = []
        try txn.scan(db.manifests, from: [], prefix: []) { key, value in
            var keyReader = BinaryReader(Array(key))
            let repo = try keyReader.u32()
            let digest = try keyReader.digest()
            entries.append(pushOrderKey(repo, milliseconds: try pushedMilliseconds(ofRecord: Array(value)), digest))
            return true
        }
        for entry in entries { try txn.put(db.manifestsByPush, entry, [UInt8]()) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any IndexWriteTransaction) throws -> T) async throws -> T {
        try await lmdbWrite { txn in try body(LMDBIndexTransaction(txn, index: self)) }
    }

    public func read<T>(_ body: (any IndexReadTransaction) throws -> T) throws -> T {
        try lmdbRead { txn in try body(LMDBIndexTransaction(txn, index: self)) }
    }

    /// Runs `body` as (part of) one durable write transaction on the raw schema (the index's
    /// own records: settings, access, audit, caches, derived entries).
    func lmdbWrite<T: Sendable>(_ body: @escaping @Sendable (LMDBTransaction) throws -> T) async throws -> T {
        guard let writer else { throw RegistryError.readOnly }
        return try await writer.write(body)
    }

    /// Runs `body` in a read transaction on the raw schema.
    func lmdbRead<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        try environment.read(body)
    }
}
