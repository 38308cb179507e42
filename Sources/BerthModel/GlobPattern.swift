/// A glob for repository names and tags: `*` matches any run of characters except `/`, `**`
/// matches any run including `/`, `?` one character except `/`; everything else matches itself.
public struct GlobPattern: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let tokens: [Token]

    private enum Token: Sendable, Hashable {
        case literal(Character)
        case one, segment, any
    }

    /// A pattern; every string is a valid pattern.
    public init(_ pattern: String) {
        self.pattern = pattern
        var tokens: [Token] = []
        let characters = Array(pattern)
        var index = 0
        while index < characters.count {
            switch characters[index] {
            case "*" where index + 1 < characters.count && characters[index + 1] == "*":
                tokens.append(.any)
                index += 2
                continue
            case "*": tokens.append(.segment)
            case "?": tokens.append(.one)
            default: tokens.append(.literal(characters[index]))
            }
            index += 1
        }
        self.tokens = tokens
    }

    /// Whether `text` matches the whole pattern.
    public func matches(_ text: String) -> Bool {
        let characters = Array(text)
        // Dynamic programming over (token, character) positions: linear memory, no backtracking blow-up.
        var reachable = [Bool](repeating: false, count: characters.count + 1)
        reachable[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: characters.count + 1)
            switch token {
            case .literal(let c):
                for i in 0..<characters.count where reachable[i] && characters[i] == c { next[i + 1] = true }
            case .one:
                for i in 0..<characters.count where reachable[i] && characters[i] != "/" { next[i + 1] = true }
            case .segment, .any:
                var open = false
                for i in 0...characters.count {
                    if reachable[i] { open = true }
                    if open { next[i] = true }
                    if i < characters.count, token == .segment, characters[i] == "/" { open = false }
                }
            }
            reachable = next
        }
        return reachable[characters.count]
    }

    /// The pattern as written.
    public var description: String { pattern }

    /// Decodes the pattern from its single string.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the pattern as its single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(pattern)
    }
}
