import BerthModel
import Foundation

/// Every way an engine operation can fail, each case naming what the caller did wrong or what
/// broke. The HTTP layer maps each case to one OCI error code and status.
public enum RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A name, tag, digest, reference, media type or manifest failed validation.
    case invalid(ValidationError)
    /// The repository has no such blob (never pushed, or not linked into this repository).
    case blobUnknown(Digest)
    /// No upload session with this id exists for this repository (never made, finished, cancelled or expired).
    case uploadUnknown(String)
    /// The upload cannot go on as asked (e.g. the session is busy with another request).
    case uploadInvalid(String)
    /// A chunk did not start at the session's current offset; the session is unchanged.
    case uploadOffsetMismatch(expected: Int64, got: Int64)
    /// The content's digest is not the one the client declared.
    case digestMismatch(expected: Digest, actual: Digest)
    /// The content's length is not the one the client declared.
    case sizeMismatch(expected: Int64, actual: Int64)
    /// No manifest under this tag or digest in the repository.
    case manifestUnknown(String)
    /// The manifest names a blob this repository does not hold.
    case manifestBlobUnknown(Digest)
    /// The index names a child manifest this repository does not hold.
    case manifestChildUnknown(Digest)
    /// The repository does not exist.
    case repositoryUnknown(RepositoryName)
    /// The byte range asked for lies outside the blob.
    case rangeNotSatisfiable(size: Int64)
    /// The data root is owned by another process.
    case rootLocked(String)
    /// The engine was opened read-only and was asked to write.
    case readOnly
    /// The disk holding the data root is full; what was being written was dropped, nothing
    /// stored before was touched.
    case storageFull
    /// A blob past the configured maximum size.
    case blobTooLarge(limit: Int64)
    /// The request body arrived slower than the configured minimum rate.
    case bodyTooSlow(minimum: Int)
    /// Too many uploads open at once for one account.
    case tooManyUploads(limit: Int)
    /// Rules or policies that cannot work as written.
    case invalidPolicy(String)
    /// A garbage collection is already running on this engine.
    case collectionRunning
    /// The task was cancelled (the server is shutting down) between two steps that each left
    /// the store consistent.
    case cancelled
    /// A rule protects what the request would change (an immutable tag, its manifest, its accessories).
    case protectedByRule(String)
    /// A policy refuses the request (e.g. pulling an unsigned artifact under the signed-only policy).
    case deniedByPolicy(String)
    /// The disk or the index failed; the message says where. Nothing already stored was changed.
    case storage(String)

    public var description: String {
        switch self {
        case .invalid(let error): error.description
        case .blobUnknown(let digest): "blob unknown to registry: \(digest)"
        case .uploadUnknown(let id): "blob upload unknown: \(id)"
        case .uploadInvalid(let reason): "blob upload invalid: \(reason)"
        case .uploadOffsetMismatch(let expected, let got): "chunk starts at offset \(got), upload is at offset \(expected)"
        case .digestMismatch(let expected, let actual): "content digest \(actual) does not match the declared digest \(expected)"
        case .sizeMismatch(let expected, let actual): "content length \(actual) does not match the declared size \(expected)"
        case .manifestUnknown(let reference): "manifest unknown: \(reference)"
        case .manifestBlobUnknown(let digest): "manifest references a blob unknown to this repository: \(digest)"
        case .manifestChildUnknown(let digest): "index references a manifest unknown to this repository: \(digest)"
        case .repositoryUnknown(let name): "repository name not known to registry: \(name)"
        case .rangeNotSatisfiable(let size): "requested range not satisfiable (blob size \(size))"
        case .rootLocked(let reason): reason
        case .readOnly: "the engine is open read-only"
        case .invalidPolicy(let reason): "invalid policy: \(reason)"
        case .storageFull: "the registry's storage is full"
        case .blobTooLarge(let limit): "blob larger than the limit of \(limit) bytes"
        case .bodyTooSlow(let minimum): "the request body arrived slower than \(minimum) bytes per second"
        case .tooManyUploads(let limit): "too many uploads in progress (limit \(limit)); finish or cancel some first"
        case .collectionRunning: "a garbage collection is already running"
        case .cancelled: "cancelled: the server is shutting down"
        case .protectedByRule(let reason): reason
        case .deniedByPolicy(let reason): reason
        case .storage(let reason): "storage error: \(reason)"
        }
    }
}

extension RegistryError {
    /// Runs `body`, turning any error it throws into a `RegistryError`: those pass through,
    /// validation errors become `.invalid`, everything else (disk, LMDB, libcrypto) `.storage`.
    static func wrapping<T>(_ body: () throws -> T) throws(RegistryError) -> T {
        do { return try body() } catch { throw RegistryError(error) }
    }

    /// The async form of `wrapping(_:)`.
    static func wrapping<T>(_ body: () async throws -> T) async throws(RegistryError) -> T {
        do { return try await body() } catch { throw RegistryError(error) }
    }

    init(_ error: any Error) {
        switch error {
        case let error as RegistryError: self = error
        case let error as ValidationError: self = .invalid(error)
        case let error as IOError where error.code == ENOSPC || error.code == EDQUOT: self = .storageFull
        case let error as LMDBError where error.isOutOfSpace: self = .storageFull
        default: self = .storage(String(describing: error))
        }
    }
}
