import CLMDB
import Foundation

/// One LMDB environment: a memory-mapped file of named databases.
///
/// The only owner of the `MDB_env` pointer. Facts this wrapper relies on (see `lmdb.h`):
/// - The environment is opened with `MDB_NOTLS`, so a read transaction is not tied to the thread
///   that began it: Swift tasks may hop threads, and a thread pool may run many readers.
/// - The map is reserved large and sparse up front; the file only grows as pages are used, so a
///   write never fails for lack of map space within that reservation.
/// - Only one write transaction runs at a time, and it must begin and end on one thread:
///   `LMDBWriter` is the single place that opens them.
/// - Stale reader slots left by dead processes are cleared on open (`mdb_reader_check`).
final class LMDBEnvironment: @unchecked Sendable {
    // @unchecked: an MDB_env is documented as safe to share between threads; every mutation of
    // it goes through transactions, whose own rules are kept by `LMDBWriter` and `read(_:)`;
    // `closed` and `activeTransactions` are only touched under `usage`.
    private let env: OpaquePointer
    private let usage = NSCondition()
    private var closed = false
    private var activeTransactions = 0
    /// Whether the environment was opened read-only (`MDB_RDONLY`).
    let isReadOnly: Bool

    /// Opens (creating if needed, unless read-only) the environment in `directory`.
    init(directory: String, mapSize: Int, maxDatabases: UInt32, maxReaders: UInt32 = 510, readOnly: Bool) throws(LMDBError) {
        var handle: OpaquePointer?
        try LMDBError.check(mdb_env_create(&handle), "mdb_env_create")
        guard let handle else { throw LMDBError(code: ENOMEM, operation: "mdb_env_create") }
        do throws(LMDBError) {
            try LMDBError.check(mdb_env_set_mapsize(handle, mapSize), "mdb_env_set_mapsize")
            try LMDBError.check(mdb_env_set_maxdbs(handle, maxDatabases), "mdb_env_set_maxdbs")
            try LMDBError.check(mdb_env_set_maxreaders(handle, maxReaders), "mdb_env_set_maxreaders")
            var flags = UInt32(MDB_NOTLS)
            if readOnly { flags |= UInt32(MDB_RDONLY) }
            try LMDBError.check(mdb_env_open(handle, directory, flags, 0o640), "mdb_env_open \(directory)")
            var dead: Int32 = 0
            try LMDBError.check(mdb_reader_check(handle, &dead), "mdb_reader_check")
        } catch {
            mdb_env_close(handle)
            throw error
        }
        self.env = handle
        self.isReadOnly = readOnly
    }

    deinit { close() }

    /// Closes the environment once every transaction in progress has ended. LMDB forbids
    /// opening one environment twice in a process, so a root can only be reopened after this.
    /// Later transactions fail with `ESHUTDOWN`.
    func close() {
        usage.lock()
        if closed {
            usage.unlock()
            return
        }
        closed = true
        while activeTransactions > 0 { usage.wait() }
        usage.unlock()
        mdb_env_close(env)
    }

    /// Counts a transaction in, unless the environment is closed.
    private func enter() throws(LMDBError) {
        usage.lock()
        defer { usage.unlock() }
        guard !closed else { throw LMDBError(code: ESHUTDOWN, operation: "environment closed") }
        activeTransactions += 1
    }

    /// Counts a transaction out (called when it commits or aborts).
    fileprivate func leave() {
        usage.lock()
        activeTransactions -= 1
        if activeTransactions == 0 { usage.broadcast() }
        usage.unlock()
    }

    /// The largest key LMDB accepts in this build (511 bytes by default).
    var maxKeySize: Int { Int(mdb_env_get_maxkeysize(env)) }

    /// Opens the named database, creating it when `create` is set (needs a write transaction).
    func openDatabase(named name: String, in transaction: LMDBTransaction, create: Bool) throws(LMDBError) -> LMDBDatabase {
        var dbi: MDB_dbi = 0
        let flags = create ? UInt32(MDB_CREATE) : 0
        try LMDBError.check(mdb_dbi_open(transaction.handle, name, flags, &dbi), "mdb_dbi_open \(name)")
        return LMDBDatabase(handle: dbi, name: name)
    }

    /// Runs `body` in a read-only transaction that is always aborted afterwards.
    ///
    /// Readers never block the writer. Keep `body` short and free of network I/O: a long-lived
    /// reader pins old pages and makes the file grow.
    func read<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        let transaction = try begin(parent: nil, readOnly: true)
        defer { transaction.abort() }
        return try body(transaction)
    }

    /// Begins a transaction. Only `LMDBWriter` and `read(_:)` call this.
    func begin(parent: LMDBTransaction?, readOnly: Bool) throws(LMDBError) -> LMDBTransaction {
        try enter()
        var txn: OpaquePointer?
        let flags = readOnly ? UInt32(MDB_RDONLY) : 0
        var code = mdb_txn_begin(env, parent?.handle, flags, &txn)
        if code == MDB_READERS_FULL {
            // Slots of readers that died (a killed `berth fsck` beside the server) stay taken
            // until someone clears them; LMDB never does on its own.
            clearStaleReaders()
            code = mdb_txn_begin(env, parent?.handle, flags, &txn)
        }
        guard code == 0, let txn else {
            leave()
            throw LMDBError(code: code == 0 ? ENOMEM : code, operation: "mdb_txn_begin")
        }
        return LMDBTransaction(handle: txn, isReadOnly: readOnly, onEnd: { [unowned self] in self.leave() })
    }

    /// Frees the reader slots of processes that died holding them. A dead reader's slot also
    /// pins its old snapshot, so the file grows until the slot is cleared: the writer calls
    /// this now and then, and `begin` when the table is full. Returns how many were freed.
    @discardableResult
    func clearStaleReaders() -> Int {
        var dead: Int32 = 0
        _ = mdb_reader_check(env, &dead)
        return Int(dead)
    }

    /// Flushes the data file to disk (used after writes made without a sync).
    func sync() throws(LMDBError) {
        try enter()
        defer { leave() }
        try LMDBError.check(mdb_env_sync(env, 1), "mdb_env_sync")
    }

    /// Bytes of the map in use (pages up to the last one written, free pages included: LMDB
    /// reuses them before it grows) and the map's size, the most the index can hold.
    func mapUsage() throws(LMDBError) -> (used: Int, size: Int) {
        try enter()
        defer { leave() }
        var info = MDB_envinfo()
        var stat = MDB_stat()
        try LMDBError.check(mdb_env_info(env, &info), "mdb_env_info")
        try LMDBError.check(mdb_env_stat(env, &stat), "mdb_env_stat")
        return ((info.me_last_pgno + 1) * Int(stat.ms_psize), info.me_mapsize)
    }
}
