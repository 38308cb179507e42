/// Why a trust server refuses a publish: each case names the role and what is wrong. A refused
/// update stores nothing.
public enum TrustUpdateRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file is not TUF metadata of the role it is sent as.
    case malformed(role: String, reason: String)
    /// A role's signatures do not reach its threshold of listed keys.
    case notSigned(role: String, reason: String)
    /// A role's version does not increase.
    case rollback(role: String, current: Int64, sent: Int64)
    /// A role has expired (or its expiry cannot be read).
    case expired(role: String, expires: String)
    /// The snapshot names a file with other hashes or length than the one it would pin, or
    /// leaves out one it must pin.
    case inconsistentSnapshot(String)
    /// What the update lacks or holds that it may not (a root for a new name, a timestamp, an
    /// unknown delegation, a file over the size limit).
    case notAllowed(String)

    public var description: String {
        switch self {
        case .malformed(let role, let reason): "\(role): \(reason)"
        case .notSigned(let role, let reason): "\(role) is not signed as its role requires: \(reason)"
        case .rollback(let role, let current, let sent): "\(role): version \(sent) does not increase on the current version \(current)"
        case .expired(let role, let expires): "\(role) has expired (expires \(expires))"
        case .inconsistentSnapshot(let reason): "snapshot: \(reason)"
        case .notAllowed(let reason): reason
        }
    }
}
