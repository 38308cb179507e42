/// The platform of an index entry, as the OCI image index defines it. Coded with the spec's
/// keys (`os.version`, `os.features`), absent fields left out.
public struct Platform: Sendable, Hashable, Codable {
    /// CPU architecture, e.g. `amd64`.
    public var architecture: String
    /// Operating system, e.g. `linux`.
    public var os: String
    /// OS version (`os.version`).
    public var osVersion: String?
    /// Required OS features (`os.features`).
    public var osFeatures: [String]?
    /// CPU variant, e.g. `v8`.
    public var variant: String?
    /// Reserved by the spec.
    public var features: [String]?

    /// A platform from its fields.
    public init(architecture: String, os: String, osVersion: String? = nil, osFeatures: [String]? = nil,
                variant: String? = nil, features: [String]? = nil) {
        self.architecture = architecture
        self.os = os
        self.osVersion = osVersion
        self.osFeatures = osFeatures
        self.variant = variant
        self.features = features
    }

    enum CodingKeys: String, CodingKey {
        case architecture, os, variant, features
        case osVersion = "os.version"
        case osFeatures = "os.features"
    }
}
