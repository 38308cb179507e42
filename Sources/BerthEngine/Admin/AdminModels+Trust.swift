import BerthModel
import Foundation

extension AdminModels {
    /// A GUN's Docker Content Trust data, as `berth trust list|show` and `/admin/v1/trust` show it.
    public struct TrustRepository: Codable, Sendable, Equatable {
        /// One role's current file.
        public struct Role: Codable, Sendable, Equatable {
            /// `root`, `targets`, `targets/releases`, `snapshot`, `timestamp`.
            public var role: String
            /// Its current version.
            public var version: Int64
            /// When it expires, as written.
            public var expires: String?
        }

        /// The GUN (`<registry host>/<repository>`).
        public var gun: String
        /// Its roles, by name.
        public var roles: [Role]
        /// The tags its targets sign (top level and delegations), by name.
        public var signedTags: [String]

        /// The document of a GUN's current files.
        public init(gun: String, files: [String: TrustFile]) {
            self.gun = gun
            var roles: [Role] = []
            var tags: Set<String> = []
            for (role, file) in files.sorted(by: { $0.key < $1.key }) {
                let signed = (try? TUFSignedDocument(parsing: file.bytes))?.signed
                roles.append(Role(role: role, version: file.version, expires: signed?["expires"]?.stringValue))
                if role == "targets" || role.hasPrefix("targets/"), let signed, let targets = try? TUFRoleMetadata.Targets(signed) {
                    tags.formUnion(targets.targets.keys)
                }
            }
            self.roles = roles
            self.signedTags = tags.sorted()
        }
    }
}

extension RegistryAdministration {
    /// Every GUN with trust data, with its roles and signed tags.
    public func trustRepositories() throws(RegistryError) -> [AdminModels.TrustRepository] {
        var found: [AdminModels.TrustRepository] = []
        for gun in try registry.trustNames() { found.append(try trustRepository(gun)) }
        return found
    }

    /// One GUN's trust data (`.manifestUnknown` when it has none).
    public func trustRepository(_ gun: String) throws(RegistryError) -> AdminModels.TrustRepository {
        let files = try RegistryError.wrapping { try registry.index.trustFiles(gun: gun) }
        guard !files.isEmpty else { throw .manifestUnknown("no trust data for \(gun)") }
        return AdminModels.TrustRepository(gun: gun, files: files)
    }

    /// Removes a GUN's trust data in one transaction (the text's recovery when a root key is
    /// lost: a new root can then be published). Audited.
    public func deleteTrust(_ gun: String, by actor: AuditActor) async throws(RegistryError) -> AdminModels.Removed {
        guard try !RegistryError.wrapping({ try registry.index.trustFiles(gun: gun) }).isEmpty else { throw .manifestUnknown("no trust data for \(gun)") }
        let count = try await registry.deleteTrust(gun: gun, by: actor)
        return AdminModels.Removed(removed: ["\(gun): \(count) files"])
    }
}
