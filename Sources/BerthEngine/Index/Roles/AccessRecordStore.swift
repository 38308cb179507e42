/// Access-control records (accounts, projects, memberships) as opaque documents by kind and
/// key. What they mean and who may change them is `AccessControl`'s business.
public protocol AccessRecordStore: Sendable {
    /// An access-control record by kind and key, or nil.
    func accessRecord(_ kind: String, _ key: String) throws -> [UInt8]?
    /// Stores (or, with nil, removes) an access-control record; returns whether one was there before.
    @discardableResult
    func setAccessRecord(_ kind: String, _ key: String, _ value: [UInt8]?) async throws -> Bool
    /// Several such changes in one transaction (an account with its memberships): all or none.
    /// Returns, for each, whether the record existed before.
    func setAccessRecords(_ changes: [(kind: String, key: String, value: [UInt8]?)]) async throws -> [Bool]
    /// Every access-control record of a kind whose key starts with `prefix`, in key order.
    func accessRecords(_ kind: String, prefix: String) throws -> [(key: String, value: [UInt8])]
}
