/// The typed views of the four top-level TUF roles and of delegated targets, read from a
/// document's signed part. Each refuses a document whose fields are missing or of the wrong
/// kind, naming the field.
public enum TUFRoleMetadata {
    /// Who may sign a role: its key ids and how many of them must.
    public struct KeyRole: Sendable, Hashable {
        /// The role's name (`root`, `targets`, `targets/releases`, …).
        public let name: String
        /// The ids of the keys that may sign it.
        public let keyIDs: [String]
        /// How many distinct keys must sign it (at least 1).
        public let threshold: Int
        /// For a delegation, the target paths (prefixes) it may sign; nil for top-level roles.
        public let paths: [String]?

        /// A role from its parts.
        public init(name: String, keyIDs: [String], threshold: Int, paths: [String]?) {
            self.name = name
            self.keyIDs = keyIDs
            self.threshold = threshold
            self.paths = paths
        }
    }

    /// The hashes and length of a file a snapshot or timestamp names.
    public struct FileMeta: Sendable, Hashable {
        /// Length in bytes.
        public let length: Int64
        /// Hashes by algorithm (`sha256`, `sha512`), decoded.
        public let hashes: [String: [UInt8]]
    }

    /// `Root`: the keys, the roles they sign, the version and expiry.
    public struct Root: Sendable, Hashable {
        /// The metadata's version (only ever increases).
        public let version: Int64
        /// When it expires (RFC 3339, as written).
        public let expires: String
        /// Every key of the repository's roles, by id.
        public let keys: [String: TUFKey]
        /// The top-level roles and who signs them.
        public let roles: [String: KeyRole]

        /// Reads the signed part of a document of this role.
        public init(_ signed: JSONValue) throws(TUFMetadataError) {
            try TUFRoleMetadata.expect(signed, type: "Root")
            version = try TUFRoleMetadata.version(signed)
            expires = try TUFRoleMetadata.expires(signed)
            keys = try TUFRoleMetadata.keys(signed["keys"], field: "keys")
            guard let roleEntries = signed["roles"]?.objectValue else { throw .invalidField("roles: an object is required") }
            var roles: [String: KeyRole] = [:]
            for (name, entry) in roleEntries { roles[name] = try TUFRoleMetadata.keyRole(name: name, entry, field: "roles.\(name)") }
            for required in ["root", "targets", "snapshot", "timestamp"] where roles[required] == nil {
                throw .invalidField("roles.\(required): every top-level role must be listed")
            }
            self.roles = roles
        }
    }

    /// `Targets` (top level or delegated): the targets it signs and its delegations.
    public struct Targets: Sendable, Hashable {
        /// The metadata's version (only ever increases).
        public let version: Int64
        /// When it expires (RFC 3339, as written).
        public let expires: String
        /// The targets it signs, by name (a tag, for Docker Content Trust).
        public let targets: [String: FileMeta]
        /// The keys of its delegations, by id.
        public let delegationKeys: [String: TUFKey]
        /// Its delegated roles, in order.
        public let delegations: [KeyRole]

        /// Reads the signed part of a document of this role.
        public init(_ signed: JSONValue) throws(TUFMetadataError) {
            try TUFRoleMetadata.expect(signed, type: "Targets")
            version = try TUFRoleMetadata.version(signed)
            expires = try TUFRoleMetadata.expires(signed)
            guard let entries = signed["targets"]?.objectValue else { throw .invalidField("targets: an object is required") }
            var targets: [String: FileMeta] = [:]
            for (name, entry) in entries { targets[name] = try TUFRoleMetadata.fileMeta(entry, field: "targets.\(name)") }
            self.targets = targets
            if let delegations = signed["delegations"], delegations != .null {
                delegationKeys = try TUFRoleMetadata.keys(delegations["keys"] ?? .object([:]), field: "delegations.keys")
                guard let roles = (delegations["roles"] ?? .array([])).arrayValue else { throw .invalidField("delegations.roles: a list is required") }
                var parsed: [KeyRole] = []
                for (position, role) in roles.enumerated() {
                    guard let name = role["name"]?.stringValue else { throw .invalidField("delegations.roles[\(position)].name is required") }
                    parsed.append(try TUFRoleMetadata.keyRole(name: name, role, field: "delegations.roles[\(position)]"))
                }
                self.delegations = parsed
            } else {
                delegationKeys = [:]
                delegations = []
            }
        }
    }

    /// `Snapshot`: the version-pinned hashes of root, targets and every delegation.
    public struct Snapshot: Sendable, Hashable {
        /// The metadata's version (only ever increases).
        public let version: Int64
        /// When it expires (RFC 3339, as written).
        public let expires: String
        /// The files it pins (`root`, `targets`, each delegation), by role name.
        public let meta: [String: FileMeta]

        /// Reads the signed part of a document of this role.
        public init(_ signed: JSONValue) throws(TUFMetadataError) {
            try TUFRoleMetadata.expect(signed, type: "Snapshot")
            version = try TUFRoleMetadata.version(signed)
            expires = try TUFRoleMetadata.expires(signed)
            meta = try TUFRoleMetadata.meta(signed)
        }
    }

    /// `Timestamp`: the hashes of the current snapshot.
    public struct Timestamp: Sendable, Hashable {
        /// The metadata's version (only ever increases).
        public let version: Int64
        /// When it expires (RFC 3339, as written).
        public let expires: String
        /// The snapshot it pins.
        public let snapshot: FileMeta

        /// Reads the signed part of a document of this role.
        public init(_ signed: JSONValue) throws(TUFMetadataError) {
            try TUFRoleMetadata.expect(signed, type: "Timestamp")
            version = try TUFRoleMetadata.version(signed)
            expires = try TUFRoleMetadata.expires(signed)
            guard let snapshot = try TUFRoleMetadata.meta(signed)["snapshot"] else { throw .invalidField("meta.snapshot is required") }
            self.snapshot = snapshot
        }
    }

    // MARK: Fields

    static func expect(_ signed: JSONValue, type: String) throws(TUFMetadataError) {
        guard signed["_type"]?.stringValue == type else { throw .invalidField("_type: \(type) expected") }
    }

    static func version(_ signed: JSONValue) throws(TUFMetadataError) -> Int64 {
        guard let version = signed["version"]?.integerValue, version >= 1 else { throw .invalidField("version: a positive integer is required") }
        return version
    }

    static func expires(_ signed: JSONValue) throws(TUFMetadataError) -> String {
        guard let expires = signed["expires"]?.stringValue, !expires.isEmpty else { throw .invalidField("expires: a time is required") }
        return expires
    }

    static func keys(_ value: JSONValue?, field: String) throws(TUFMetadataError) -> [String: TUFKey] {
        guard let entries = value?.objectValue else { throw .invalidField("\(field): an object is required") }
        var keys: [String: TUFKey] = [:]
        for (id, entry) in entries {
            do {
                keys[id] = try TUFKey(entry)
            } catch {
                throw .invalidField("\(field).\(id): \(error)")
            }
        }
        return keys
    }

    static func keyRole(name: String, _ entry: JSONValue, field: String) throws(TUFMetadataError) -> KeyRole {
        guard let ids = entry["keyids"]?.arrayValue else { throw .invalidField("\(field).keyids: a list is required") }
        var keyIDs: [String] = []
        for id in ids {
            guard let text = id.stringValue else { throw .invalidField("\(field).keyids: strings are required") }
            keyIDs.append(text)
        }
        guard let threshold = entry["threshold"]?.integerValue, threshold >= 1, threshold <= 1000 else {
            throw .invalidField("\(field).threshold: an integer of at least 1 is required")
        }
        var paths: [String]?
        if let list = entry["paths"]?.arrayValue {
            paths = []
            for path in list {
                guard let text = path.stringValue else { throw .invalidField("\(field).paths: strings are required") }
                paths?.append(text)
            }
        }
        return KeyRole(name: name, keyIDs: keyIDs, threshold: Int(threshold), paths: paths)
    }

    static func fileMeta(_ entry: JSONValue, field: String) throws(TUFMetadataError) -> FileMeta {
        guard let length = entry["length"]?.integerValue, length >= 0 else { throw .invalidField("\(field).length: a length is required") }
        guard let encoded = entry["hashes"]?.objectValue, !encoded.isEmpty else { throw .invalidField("\(field).hashes: at least one hash is required") }
        var hashes: [String: [UInt8]] = [:]
        for (algorithm, value) in encoded {
            guard let text = value.stringValue, let decoded = Base64.decode(text) else { throw .invalidField("\(field).hashes.\(algorithm): base64 is required") }
            hashes[algorithm] = decoded
        }
        return FileMeta(length: length, hashes: hashes)
    }

    static func meta(_ signed: JSONValue) throws(TUFMetadataError) -> [String: FileMeta] {
        guard let entries = signed["meta"]?.objectValue else { throw .invalidField("meta: an object is required") }
        var meta: [String: FileMeta] = [:]
        for (name, entry) in entries { meta[name] = try fileMeta(entry, field: "meta.\(name)") }
        return meta
    }
}
