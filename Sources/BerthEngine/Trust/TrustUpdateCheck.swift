import BerthModel
import Foundation

/// What a trust server checks before it stores a publish, written once: the rules of TUF as a
/// Notary server keeps them (`theupdateframework/notary`'s server validation), against the
/// repository's current metadata.
///
/// - A name without trust data needs a root; a root is signed by the threshold of its own root
///   role, and a new root also by the threshold of the current root's (so a stolen targets key
///   cannot install a root of its own).
/// - `targets` is signed by the root's targets role; a delegation `targets/a[/b]` by the keys its
///   parent lists for it (the parent as sent, else as stored), and only delegations the parent
///   names are accepted.
/// - A snapshot is signed by the root's snapshot role, unless the server holds the snapshot key
///   (then the server signs one itself); it pins root, targets and every delegation it names
///   with the exact lengths and hashes of the files this update leaves in place.
/// - Every version sent increases on the stored one; every expiry sent lies in the future;
///   every file is at most `maximumFileSize`; clients send no timestamp (the server signs it).
public struct TrustUpdateCheck: Sendable {
    /// The metadata a repository holds now, by role, as the files were sent.
    public let current: [String: [UInt8]]
    /// The instant expiries are judged at (the registry's clock).
    public let now: Date
    /// Whether the server holds this repository's snapshot key (then a client need not send one).
    public let serverSignsSnapshot: Bool
    /// The largest file accepted.
    public let maximumFileSize: Int

    /// A check against `current`, at `now`.
    public init(current: [String: [UInt8]], now: Date, serverSignsSnapshot: Bool = false, maximumFileSize: Int = 4 << 20) {
        self.current = current
        self.now = now
        self.serverSignsSnapshot = serverSignsSnapshot
        self.maximumFileSize = maximumFileSize
    }

    /// The accepted update, parsed, by role: every file of `update` checked against the rules
    /// above, or the first refusal.
    public func check(_ update: [String: [UInt8]]) throws(TrustUpdateRefusal) -> [String: TUFSignedDocument] {
        var sent: [String: TUFSignedDocument] = [:]
        for (role, bytes) in update {
            guard role == "root" || role == "targets" || role == "snapshot" || Self.isDelegation(role) else {
                throw role == "timestamp" ? .notAllowed("timestamp: the server signs the timestamp; clients do not send one")
                                          : .notAllowed("\(role) is no TUF role")
            }
            guard bytes.count <= maximumFileSize else { throw .notAllowed("\(role): \(bytes.count) bytes is over the limit of \(maximumFileSize)") }
            do {
                sent[role] = try TUFSignedDocument(parsing: bytes)
            } catch {
                throw .malformed(role: role, reason: error.description)
            }
        }
        let stored = try parsedCurrent()

        // Root first: everything else is judged by the root in force after the update.
        let root: TUFRoleMetadata.Root
        if let newRoot = sent["root"] {
            let parsed = try view(TUFRoleMetadata.Root.init, newRoot, role: "root")
            try requireSigned(newRoot, role: "root", by: parsed.roles["root"], keys: parsed.keys, whose: "its own root keys")
            if let oldDocument = stored["root"] {
                let old = try view(TUFRoleMetadata.Root.init, oldDocument, role: "root")
                try requireSigned(newRoot, role: "root", by: old.roles["root"], keys: old.keys, whose: "the current root's keys")
                try requireNewer(role: "root", parsed.version, than: old.version)
            }
            try requireUnexpired(role: "root", parsed.expires)
            root = parsed
        } else if let oldDocument = stored["root"] {
            root = try view(TUFRoleMetadata.Root.init, oldDocument, role: "root")
        } else {
            throw .notAllowed("this name has no trust data yet: the first publish must carry a root")
        }

        // Targets, then delegations parents first (a parent as sent names its delegations' keys).
        let targetsRoles = sent.keys.filter { $0 == "targets" || Self.isDelegation($0) }.sorted { $0.split(separator: "/").count < $1.split(separator: "/").count }
        var targetsViews: [String: TUFRoleMetadata.Targets] = [:]
        func targetsView(_ role: String) throws(TrustUpdateRefusal) -> TUFRoleMetadata.Targets? {
            if let known = targetsViews[role] { return known }
            guard let document = sent[role] ?? stored[role] else { return nil }
            let parsed = try view(TUFRoleMetadata.Targets.init, document, role: role)
            targetsViews[role] = parsed
            return parsed
        }
        for role in targetsRoles {
            guard let document = sent[role] else { continue }
            guard let parsed = try targetsView(role) else { continue }
            if role == "targets" {
                try requireSigned(document, role: role, by: root.roles["targets"], keys: root.keys, whose: "the root's targets keys")
            } else {
                let parentName = String(role[..<(role.lastIndex(of: "/") ?? role.endIndex)])
                guard let parent = try targetsView(parentName), let delegation = parent.delegations.first(where: { $0.name == role }) else {
                    throw .notAllowed("\(role): no delegation of that name in \(parentName)")
                }
                try requireSigned(document, role: role, by: delegation, keys: parent.delegationKeys, whose: "the keys \(parentName) delegates it to")
                if let paths = delegation.paths {
                    for target in parsed.targets.keys where !paths.contains(where: { target.hasPrefix($0) }) {
                        throw .notAllowed("\(role): the target \(target) is outside the paths \(parentName) delegates")
                    }
                }
            }
            if let old = stored[role] {
                try requireNewer(role: role, parsed.version, than: try view(TUFRoleMetadata.Targets.init, old, role: role).version)
            }
            try requireUnexpired(role: role, parsed.expires)
        }

        // The snapshot: signed, newer, and pinning exactly the files in place after the update.
        if let snapshotDocument = sent["snapshot"] {
            let snapshot = try view(TUFRoleMetadata.Snapshot.init, snapshotDocument, role: "snapshot")
            try requireSigned(snapshotDocument, role: "snapshot", by: root.roles["snapshot"], keys: root.keys, whose: "the root's snapshot keys")
            if let old = stored["snapshot"] {
                try requireNewer(role: "snapshot", snapshot.version, than: try view(TUFRoleMetadata.Snapshot.init, old, role: "snapshot").version)
            }
            try requireUnexpired(role: "snapshot", snapshot.expires)
            for required in ["root", "targets"] where snapshot.meta[required] == nil {
                throw .inconsistentSnapshot("it must pin \(required)")
            }
            for role in sent.keys where role != "snapshot" && snapshot.meta[role] == nil {
                throw .inconsistentSnapshot("it does not pin \(role), which this update changes")
            }
            for (role, pinned) in snapshot.meta {
                guard let bytes = update[role] ?? current[role] else { throw .inconsistentSnapshot("it pins \(role), which does not exist") }
                try Self.requireMatch(pinned, bytes, role: role)
            }
        } else if !serverSignsSnapshot {
            throw .notAllowed("the update must carry a snapshot (the server does not hold this repository's snapshot key)")
        }
        return sent
    }

    /// Whether a role name is a delegation (`targets/…`, segments of letters, digits, `-`, `_`, `.`).
    static func isDelegation(_ role: String) -> Bool {
        guard role.hasPrefix("targets/") else { return false }
        let segments = role.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        return !segments.isEmpty && role.count <= 255 && segments.allSatisfy { segment in
            !segment.isEmpty && segment.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        }
    }

    private func parsedCurrent() throws(TrustUpdateRefusal) -> [String: TUFSignedDocument] {
        var parsed: [String: TUFSignedDocument] = [:]
        for (role, bytes) in current {
            do {
                parsed[role] = try TUFSignedDocument(parsing: bytes)
            } catch {
                throw .malformed(role: "stored \(role)", reason: error.description)
            }
        }
        return parsed
    }

    private func view<T>(_ make: (JSONValue) throws(TUFMetadataError) -> T, _ document: TUFSignedDocument, role: String) throws(TrustUpdateRefusal) -> T {
        do {
            return try make(document.signed)
        } catch {
            throw .malformed(role: role, reason: error.description)
        }
    }

    private func requireSigned(_ document: TUFSignedDocument, role: String, by keyRole: TUFRoleMetadata.KeyRole?, keys: [String: TUFKey],
                               whose: String) throws(TrustUpdateRefusal) {
        guard let keyRole else { throw .notSigned(role: role, reason: "no keys are listed for it") }
        let signers = TUFVerifier.signingKeys(of: document, role: keyRole, keys: keys)
        guard signers.count >= keyRole.threshold else {
            throw .notSigned(role: role, reason: "\(signers.count) of the \(keyRole.threshold) signatures needed by \(whose) verify")
        }
    }

    private func requireNewer(role: String, _ sent: Int64, than current: Int64) throws(TrustUpdateRefusal) {
        guard sent > current else { throw .rollback(role: role, current: current, sent: sent) }
    }

    private func requireUnexpired(role: String, _ expires: String) throws(TrustUpdateRefusal) {
        guard let date = Self.date(expires), date > now else { throw .expired(role: role, expires: expires) }
    }

    private static func requireMatch(_ pinned: TUFRoleMetadata.FileMeta, _ bytes: [UInt8], role: String) throws(TrustUpdateRefusal) {
        guard pinned.length == Int64(bytes.count) else {
            throw .inconsistentSnapshot("it pins \(role) at \(pinned.length) bytes; the file has \(bytes.count)")
        }
        var checked = 0
        for (name, algorithm) in [("sha256", DigestAlgorithm.sha256), ("sha512", .sha512)] {
            guard let expected = pinned.hashes[name] else { continue }
            let actual = (try? ContentHasher.digest(of: bytes, using: algorithm))?.rawBytes ?? []
            guard ConstantTime.equals(expected, actual) else { throw .inconsistentSnapshot("its \(name) of \(role) is not the file's") }
            checked += 1
        }
        guard checked > 0 else { throw .inconsistentSnapshot("it pins \(role) with no sha256 or sha512") }
    }

    /// An RFC 3339 time as Go writes it (`2029-12-03T20:43:14.514868449Z`, or with an offset).
    static func date(_ text: String) -> Date? {
        var body = Substring(text)
        var offset = 0
        if body.hasSuffix("Z") {
            body = body.dropLast()
        } else if body.count > 6, let sign = body[body.index(body.endIndex, offsetBy: -6)...].first, sign == "+" || sign == "-" {
            let zone = body.suffix(5)
            guard let hours = Int(zone.prefix(2)), let minutes = Int(zone.suffix(2)), zone.dropFirst(2).first == ":" else { return nil }
            offset = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
            body = body.dropLast(6)
        } else {
            return nil
        }
        var fraction = 0.0
        if let dot = body.firstIndex(of: ".") {
            guard let value = Double("0" + body[dot...]) else { return nil }
            fraction = value
            body = body[..<dot]
        }
        let parts = body.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        guard parts.count == 6, body.count == 19 else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day, components.hour, components.minute, components.second) = (parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        guard let date = calendar.date(from: components) else { return nil }
        return date.addingTimeInterval(fraction - Double(offset))
    }
}
