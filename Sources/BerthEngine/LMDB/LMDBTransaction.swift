import CLMDB
import Foundation

/// One LMDB transaction. Not `Sendable`: it lives on the thread that began it.
///
/// Values returned by `get` and the cursor are copied out of the map, so nothing handed to the
/// caller points into LMDB memory that the transaction's end would invalidate.
final class LMDBTransaction {
    let handle: OpaquePointer
    let isReadOnly: Bool
    private var open = true
    /// Tells the environment this top-level transaction ended (nil for nested ones).
    private let onEnd: (() -> Void)?

    init(handle: OpaquePointer, isReadOnly: Bool, onEnd: (() -> Void)? = nil) {
        self.handle = handle
        self.isReadOnly = isReadOnly
        self.onEnd = onEnd
    }

    deinit { abort() }

    /// Commits; the transaction is finished afterwards whatever the outcome.
    func commit() throws(LMDBError) {
        guard open else { return }
        open = false
        let code = mdb_txn_commit(handle)
        onEnd?()
        try LMDBError.check(code, "mdb_txn_commit")
    }

    /// Abandons every change made in this transaction.
    func abort() {
        guard open else { return }
        open = false
        mdb_txn_abort(handle)
        onEnd?()
    }

    /// The value stored under `key`, or nil.
    func get(_ db: LMDBDatabase, _ key: [UInt8]) throws(LMDBError) -> [UInt8]? {
        try withValue(db, key) { $0.map { Array($0) } }
    }

    /// Whether `key` is present.
    func contains(_ db: LMDBDatabase, _ key: [UInt8]) throws(LMDBError) -> Bool {
        try withValue(db, key) { $0 != nil }
    }

    /// Calls `body` with the value under `key` (nil if absent), borrowed from the map for the call only.
    func withValue<R>(_ db: LMDBDatabase, _ key: [UInt8], _ body: (UnsafeRawBufferPointer?) -> R) throws(LMDBError) -> R {
        // LMDB refuses empty and over-long keys with an error; no such key can be stored, so
        // looking one up finds nothing.
        guard !key.isEmpty, key.count <= 511 else { return body(nil) }
        var keyCopy = key
        var value = MDB_val()
        let code = keyCopy.withUnsafeMutableBytes { raw -> Int32 in
            var k = MDB_val(mv_size: raw.count, mv_data: raw.baseAddress)
            return mdb_get(handle, db.handle, &k, &value)
        }
        if code == MDB_NOTFOUND { return body(nil) }
        try LMDBError.check(code, "mdb_get \(db.name)")
        return body(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
    }

    /// Stores `value` under `key`, replacing any previous value.
    func put(_ db: LMDBDatabase, _ key: [UInt8], _ value: some ContiguousBytesCollection) throws(LMDBError) {
        var keyCopy = key
        let code = value.withContiguousBytes { valueBytes in
            keyCopy.withUnsafeMutableBytes { keyBytes -> Int32 in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
                var v = MDB_val(mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                return mdb_put(handle, db.handle, &k, &v, 0)
            }
        }
        try LMDBError.check(code, "mdb_put \(db.name)")
    }

    /// Removes `key`; returns whether it was present.
    @discardableResult
    func delete(_ db: LMDBDatabase, _ key: [UInt8]) throws(LMDBError) -> Bool {
        var keyCopy = key
        let code = keyCopy.withUnsafeMutableBytes { raw -> Int32 in
            var k = MDB_val(mv_size: raw.count, mv_data: raw.baseAddress)
            return mdb_del(handle, db.handle, &k, nil)
        }
        if code == MDB_NOTFOUND { return false }
        try LMDBError.check(code, "mdb_del \(db.name)")
        return true
    }

    /// Runs `body` in a child transaction: its changes join this one if `body` returns, and are
    /// dropped (leaving this transaction as it was) if it throws.
    func nested<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(mdb_txn_env(handle), handle, 0, &txn), "mdb_txn_begin nested")
        guard let txn else { throw LMDBError(code: ENOMEM, operation: "mdb_txn_begin nested") }
        let child = LMDBTransaction(handle: txn, isReadOnly: false)
        do {
            let result = try body(child)
            try child.commit()
            return result
        } catch {
            child.abort()
            throw error
        }
    }

    /// Runs `body` in a child transaction whose changes are always dropped: what a write
    /// would do, computed against the live index, without doing it (dry runs).
    func rehearsal<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        var txn: OpaquePointer?
        try LMDBError.check(mdb_txn_begin(mdb_txn_env(handle), handle, 0, &txn), "mdb_txn_begin nested")
        guard let txn else { throw LMDBError(code: ENOMEM, operation: "mdb_txn_begin nested") }
        let child = LMDBTransaction(handle: txn, isReadOnly: false)
        defer { child.abort() }
        return try body(child)
    }

    /// Visits entries in key order starting at the first key `>= start`, while keys begin with
    /// `prefix`; `body` returns false to stop. Keys and values are borrowed for the call only.
    func scan(_ db: LMDBDatabase, from start: [UInt8], prefix: [UInt8],
              _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(handle, db.handle, &cursor), "mdb_cursor_open \(db.name)")
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var value = MDB_val()
        var startCopy = start
        var code: Int32
        if startCopy.isEmpty {
            code = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
        } else {
            code = startCopy.withUnsafeMutableBytes { raw -> Int32 in
                key = MDB_val(mv_size: raw.count, mv_data: raw.baseAddress)
                return mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
            }
        }
        while code == 0 {
            let k = UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)
            guard k.starts(with: prefix) else { return }
            let v = UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
            guard try body(k, v) else { return }
            code = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
        }
        if code != MDB_NOTFOUND { try LMDBError.check(code, "mdb_cursor_get \(db.name)") }
    }

    /// Visits entries from the last key backwards; `body` returns false to stop. Keys and
    /// values are borrowed for the call only.
    func scanBackward(_ db: LMDBDatabase, _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        try scanBackward(db, below: nil, prefix: [], body)
    }

    /// Visits the entries whose keys begin with `prefix`, from the last back; `body` returns
    /// false to stop. Keys and values are borrowed for the call only.
    func scanBackward(_ db: LMDBDatabase, prefix: [UInt8], _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        // The first key past every key with the prefix: the prefix with its last byte below
        // 0xff incremented (nothing past it when it is all 0xff).
        var bound = prefix
        while let last = bound.last, last == 0xff { bound.removeLast() }
        if let last = bound.last { bound[bound.count - 1] = last + 1 }
        try scanBackward(db, below: bound.isEmpty ? nil : bound, prefix: prefix, body)
    }

    /// Visits the entries whose keys sort strictly below `bound`, from the nearest back;
    /// `body` returns false to stop. Keys and values are borrowed for the call only.
    func scanBackward(_ db: LMDBDatabase, below bound: [UInt8], _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        try scanBackward(db, below: bound, prefix: [], body)
    }

    /// The backward walk of the three above: from the last key below `bound` (nil: the last
    /// key), while keys begin with `prefix`.
    private func scanBackward(_ db: LMDBDatabase, below bound: [UInt8]?, prefix: [UInt8],
                              _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(handle, db.handle, &cursor), "mdb_cursor_open \(db.name)")
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var value = MDB_val()
        var code: Int32
        if var bound {
            code = bound.withUnsafeMutableBytes { raw -> Int32 in
                key = MDB_val(mv_size: raw.count, mv_data: raw.baseAddress)
                return mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
            }
            // At the first key >= bound: the one before it; past every key: the last.
            code = code == 0 ? mdb_cursor_get(cursor, &key, &value, MDB_PREV) : mdb_cursor_get(cursor, &key, &value, MDB_LAST)
        } else {
            code = mdb_cursor_get(cursor, &key, &value, MDB_LAST)
        }
        while code == 0 {
            let k = UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)
            guard k.starts(with: prefix) else { return }
            let v = UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
            guard try body(k, v) else { return }
            code = mdb_cursor_get(cursor, &key, &value, MDB_PREV)
        }
        if code != MDB_NOTFOUND { try LMDBError.check(code, "mdb_cursor_get \(db.name)") }
    }

    /// The number of entries in `db`.
    func count(_ db: LMDBDatabase) throws(LMDBError) -> Int {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(handle, db.handle, &stat), "mdb_stat \(db.name)")
        return stat.ms_entries
    }
}
