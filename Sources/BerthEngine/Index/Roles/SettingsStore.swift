/// Named settings documents (rules and policies), stored as given.
public protocol SettingsStore: Sendable {
    /// A stored settings document, or nil.
    func setting(_ name: String) throws -> [UInt8]?
    /// Stores a settings document.
    func setSetting(_ name: String, _ value: [UInt8]) async throws
}
