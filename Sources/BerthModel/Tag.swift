/// A tag: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
public struct Tag: Sendable, Hashable, CustomStringConvertible, Codable {
    /// The tag as written.
    public let value: String
    /// The longest accepted tag.
    public static let maximumLength = 128

    /// Validates `string` against the tag grammar and keeps it as written.
    /// - Throws: `invalidTag` naming the first problem.
    public init(parsing string: some StringProtocol) throws(ValidationError) {
        let text = String(string)
        let bytes = Array(text.utf8)
        guard let first = bytes.first else { throw .invalidTag(text, reason: "empty") }
        guard bytes.count <= Self.maximumLength else { throw .invalidTag(text, reason: "longer than \(Self.maximumLength) characters") }
        guard Self.isWord(first) else { throw .invalidTag(text, reason: "must start with a letter, digit or '_'") }
        guard bytes.dropFirst().allSatisfy({ Self.isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }) else {
            throw .invalidTag(text, reason: "only letters, digits, '_', '.' and '-' are allowed")
        }
        self.value = text
    }

    /// A tag whose grammar its builder guarantees (the model's own tags, such as
    /// `ReferrersTagSchema.tag(for:)`); never for text from outside.
    init(builtFrom value: String) {
        self.value = value
    }

    private static func isWord(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
    }

    /// The tag as written.
    public var description: String { value }

    /// Decodes the single string, validated; an invalid one is a `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try Tag(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
