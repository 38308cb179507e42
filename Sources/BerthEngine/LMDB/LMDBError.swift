import CLMDB
import Glibc

/// An error reported by LMDB, with its return code and LMDB's own message.
struct LMDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `int` LMDB returned (an errno value or one of the `MDB_*` codes).
    let code: Int32
    /// What the engine was doing, e.g. `"mdb_txn_commit"`.
    let operation: String

    var description: String {
        let message = mdb_strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return "LMDB \(operation): \(message)"
    }

    /// Whether the disk or the map is full: the store cannot grow (a 507 to clients, not a 500).
    var isOutOfSpace: Bool { code == ENOSPC || code == EDQUOT || code == MDB_MAP_FULL }

    /// Throws an `LMDBError` unless `code` is `MDB_SUCCESS`.
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        if code != 0 { throw LMDBError(code: code, operation: operation()) }
    }
}
