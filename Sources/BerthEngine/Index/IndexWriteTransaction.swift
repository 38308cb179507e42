import BerthModel
import Foundation

/// The primitive writes of one index transaction. They store what they are given and keep
/// the index's own bookkeeping (ids, reverse edges, documents shared between repositories);
/// they check no rule. Which writes a push, a delete, a collection or a retention run makes,
/// and what each must re-check first, is decided by the rules in `Rules/`, which run inside
/// one transaction (`TransactionalIndex.write`), so no other write can come between a check
/// and the write it allows.
///
/// A write to a repository that does not exist creates it. Removals of what is not there do
/// nothing and return false.
public protocol IndexWriteTransaction: IndexReadTransaction {
    /// Stores a manifest's record in its repository, its document (once for every repository
    /// that holds the same digest) and the back references from its children to it.
    func putManifest(_ record: ManifestRecord, document: [UInt8]) throws
    /// Records that the manifest was pushed to `repository` at `time` (first push or again).
    func recordPush(of digest: Digest, in repository: RepositoryName, at time: Date) throws
    /// Removes a manifest's record, push time, referrer edge, back references to its children
    /// and cached signature checks, and its document when no repository holds it any more.
    /// Its tags and accessory links are left to the caller.
    @discardableResult
    func removeManifest(_ digest: Digest, in repository: RepositoryName) throws -> Bool
    /// Adds the referrer edge `subject` ← `referrer` (the referrers API lists it).
    func putReferrer(_ referrer: Descriptor, of subject: Digest, in repository: RepositoryName) throws
    /// Points `tag` at `digest`, pushed at `time`, replacing whatever it named.
    func setTag(_ tag: Tag, to digest: Digest, in repository: RepositoryName, at time: Date) throws
    /// Removes a tag.
    @discardableResult
    func removeTag(_ tag: Tag, in repository: RepositoryName) throws -> Bool
    /// Stores the link subject → accessory as given (with its reverse edge), replacing any.
    func setAccessoryLink(_ link: AccessoryLink, in repository: RepositoryName) throws
    /// Removes the link subject → accessory (and its reverse edge).
    func removeAccessoryLink(from subject: Digest, to accessory: Digest, in repository: RepositoryName) throws
    /// Stores a blob's link into `repository`, replacing any.
    func putBlobLink(_ link: BlobLink, in repository: RepositoryName) throws
    /// Removes a blob's link from `repository`.
    @discardableResult
    func removeBlobLink(_ digest: Digest, from repository: RepositoryName) throws -> Bool
    /// Stores an upload session's record, replacing any.
    func putUpload(_ record: UploadRecord) throws
    /// Removes an upload session's record.
    @discardableResult
    func removeUpload(_ id: UploadID) throws -> Bool
    /// Appends an event to the audit log at `time`, after the others of that millisecond: in
    /// the transaction of the change it records, it commits with it or not at all.
    func appendAudit(_ event: [UInt8], at time: Date) throws
    /// Stores a replication record (an execution, a task, a rule's state), replacing any.
    func putReplicationRecord(_ kind: ReplicationRecordKind, _ key: [UInt8], _ value: [UInt8]) throws
    /// Removes a replication record.
    @discardableResult
    func removeReplicationRecord(_ kind: ReplicationRecordKind, _ key: [UInt8]) throws -> Bool
    /// Runs `body` on a child transaction whose changes are always dropped: what the writes
    /// would do, computed against the live index, without doing them (dry runs).
    /// Stores one version of a GUN's role file and makes it the current one (every version is
    /// kept, found by version and by SHA-256).
    func putTrustFile(gun: String, role: String, file: TrustFile) throws
    /// Removes every version of every role of a GUN; returns how many files went.
    func removeTrust(gun: String) throws -> Int
    func rehearse<T>(_ body: (any IndexWriteTransaction) throws -> T) throws -> T
}
