import Foundation

/// The endpoints and rules of replication: one settings document in the index (`replication`),
/// without secrets (those are `ReplicationCredentials`'). Policies are not replicated.
public struct ReplicationSettings: Sendable, Codable, Equatable {
    /// The endpoints, by name.
    public var endpoints: [ReplicationEndpoint] = []
    /// The rules, by name.
    public var rules: [ReplicationRule] = []

    /// None.
    public init() {}

    /// The settings' name in the settings store.
    static let settingName = "replication"

    /// The endpoint named `name`.
    public func endpoint(_ name: String) -> ReplicationEndpoint? { endpoints.first { $0.name == name } }
    /// The rule named `name`.
    public func rule(_ name: String) -> ReplicationRule? { rules.first { $0.name == name } }

    /// What is wrong with the settings as a whole (each endpoint's and rule's own problems,
    /// names used twice, rules naming a missing endpoint), each message naming its field.
    public var problems: [String] {
        var found: [String] = []
        var endpointNames = Set<String>()
        for endpoint in endpoints {
            found += endpoint.problems.map { "endpoint \(endpoint.name): \($0)" }
            if !endpointNames.insert(endpoint.name).inserted { found.append("endpoint \(endpoint.name): name: used twice") }
        }
        var ruleNames = Set<String>()
        for rule in rules {
            found += rule.problems.map { "rule \(rule.name): \($0)" }
            if !ruleNames.insert(rule.name).inserted { found.append("rule \(rule.name): name: used twice") }
            if !endpointNames.contains(rule.endpoint) { found.append("rule \(rule.name): endpoint: no endpoint is named \(rule.endpoint.debugDescription)") }
        }
        return found
    }
}
