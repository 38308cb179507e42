/// A scope of the Docker registry token spec: `repository:team/app:pull,push`.
///
/// Grammar: `type ":" name ":" action ("," action)*`. The type may carry a class in
/// parentheses (`repository(plugin)`); the name may itself hold `:` (a host with a port), so
/// the type ends at the first `:` and the actions start after the last.
public struct TokenScope: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The resource type, e.g. `repository` or `registry`.
    public let type: String
    /// The resource name, e.g. `team/app` or `catalog`.
    public let name: String
    /// The actions, e.g. `["pull", "push"]`, in the order given, without duplicates.
    public let actions: [String]

    /// A scope from its parts.
    public init(type: String, name: String, actions: [String]) {
        self.type = type
        self.name = name
        var seen: Set<String> = []
        self.actions = actions.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// Parses one scope; nil for text outside the grammar.
    public init?(parsing text: some StringProtocol) {
        let string = String(text)
        guard string.count <= 1024, let first = string.firstIndex(of: ":"), let last = string.lastIndex(of: ":"), first < last else { return nil }
        var type = String(string[..<first])
        if let open = type.firstIndex(of: "(") {
            guard type.hasSuffix(")") else { return nil }
            type = String(type[..<open])
        }
        let name = String(string[string.index(after: first)..<last])
        let actions = string[string.index(after: last)...].split(separator: ",").map(String.init)
        guard !type.isEmpty, type.allSatisfy({ $0.isLetter || $0.isNumber }), !name.isEmpty, !actions.isEmpty,
              actions.allSatisfy({ $0 == "*" || $0.allSatisfy { $0.isLetter } }) else { return nil }
        self.init(type: type, name: name, actions: actions)
    }

    /// `type:name:action,action`.
    public var description: String { "\(type):\(name):\(actions.joined(separator: ","))" }

    enum CodingKeys: String, CodingKey { case type, name, actions }
}
