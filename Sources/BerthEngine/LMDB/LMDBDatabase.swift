/// A handle on one named database inside an environment (`MDB_dbi`). Valid for the environment's life.
struct LMDBDatabase: Sendable {
    let handle: UInt32
    let name: String
}
