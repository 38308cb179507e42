import BerthModel
import Foundation

/// The primitive reads of one index transaction: records, tags, edges and links, exactly as
/// stored. The registry's rules (`Rules/`) decide with these; the index only answers.
///
/// Every read sees the transaction's snapshot, including the writes it has made itself. A
/// repository that does not exist has nothing in it (nil, false or empty, never an error).
/// Not `Sendable`: a transaction lives on the thread that runs it.
public protocol IndexReadTransaction {
    /// The manifest's record in `repository`, or nil.
    func manifest(_ digest: Digest, in repository: RepositoryName) throws -> ManifestRecord?
    /// Whether `repository` holds the manifest (cheaper than decoding its record).
    func hasManifest(_ digest: Digest, in repository: RepositoryName) throws -> Bool
    /// When the manifest was last pushed to `repository` (first push or again), or nil.
    func lastPush(of digest: Digest, in repository: RepositoryName) throws -> Date?
    /// Whether the index holds the manifest's document (for any repository).
    func hasDocument(_ digest: Digest) throws -> Bool
    /// The tag with the manifest it names and when it was pushed, or nil.
    func tag(_ tag: Tag, in repository: RepositoryName) throws -> TagRecord?
    /// The tags naming one manifest, in any order.
    func tags(of digest: Digest, in repository: RepositoryName) throws -> [Tag]
    /// The blob's link into `repository`, or nil.
    func blobLink(_ digest: Digest, in repository: RepositoryName) throws -> BlobLink?
    /// The one link subject → accessory, or nil.
    func accessoryLink(from subject: Digest, to accessory: Digest, in repository: RepositoryName) throws -> AccessoryLink?
    /// Every link from `subject` to its accessories (one level).
    func accessoryLinks(of subject: Digest, in repository: RepositoryName) throws -> [AccessoryLink]
    /// The subjects an accessory is linked to (stored or not).
    func subjects(ofAccessory accessory: Digest, in repository: RepositoryName) throws -> [Digest]
    /// The indexes of `repository` that name `child` among their manifests.
    func parents(of child: Digest, in repository: RepositoryName) throws -> [Digest]
    /// An upload session's record, or nil.
    func upload(_ id: UploadID) throws -> UploadRecord?
    /// A replication record, or nil.
    func replicationRecord(_ kind: ReplicationRecordKind, _ key: [UInt8]) throws -> [UInt8]?
    /// The current trust metadata of a GUN, by role, with each file's version (empty when it has none).
    func trustFiles(gun: String) throws -> [String: TrustFile]
}
