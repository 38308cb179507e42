import BerthModel
import Foundation

/// The transactional index of a registry: repositories, tags, manifests, accessory and
/// referrer edges, blob links, upload sessions, and the records of access control, audit and
/// settings. The seam behind which a second implementation (PostgreSQL, for deployments of
/// several nodes) replaces `LMDBIndex`.
///
/// It is small role protocols composed, as containerd's content store is: each caller needs
/// only its roles (HTTP reads the catalog and blob links, GC walks, fsck checks derived
/// entries), and an implementation provides each with its own storage.
///
/// **The index stores and transacts; it does not decide.** Every change goes through
/// `write`, whose transaction offers primitive reads and writes (`IndexWriteTransaction`).
/// The registry's rules (what a push stores and checks, what an accessory is and of what,
/// how a cosign tag moves a link, what a delete takes with it, what garbage collection and
/// retention may remove) are engine code in `Rules/`, written once against those primitives
/// as extensions of this protocol, and run inside that transaction: a rule is checked in the
/// same transaction that writes. A new implementation inherits every rule, and the behavioural
/// suite (`IndexContractTests`) runs against every implementation.
///
/// Contract every implementation keeps:
/// - Each `write` is one atomic transaction; when it returns, its effect is durable
///   (invariants 2 and 3), and when it throws, nothing it did is visible.
/// - Reads see a consistent snapshot and never block writers.
public protocol MetadataIndex: TransactionalIndex, ManifestCatalog, AccessoryGraph, BlobLinkLookup, UploadRecords,
    IndexWalks, DerivedEntryCheck, SignatureCheckCache, AccessRecordStore, AuditLog, SettingsStore, IndexStatistics, ReplicationLedger,
    ListingPages, TrustRecordStore {}
