/// A repository name with the distribution spec's grammar:
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`, at most 255 characters.
public struct RepositoryName: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The name as written.
    public let value: String
    /// The longest accepted name (what common clients accept for host plus name).
    public static let maximumLength = 255

    /// Validates `string` against the grammar and the length limit and keeps it as written.
    /// - Throws: `invalidRepositoryName` naming the first problem.
    public init(parsing string: some StringProtocol) throws(ValidationError) {
        // A hand-written byte scanner: this runs on every request, and regular expressions are slow.
        let text = String(string)
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .invalidRepositoryName(text, reason: "empty") }
        guard bytes.count <= Self.maximumLength else {
            throw .invalidRepositoryName(text, reason: "longer than \(Self.maximumLength) characters")
        }
        for component in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if let reason = Self.problem(in: component) { throw .invalidRepositoryName(text, reason: reason) }
        }
        self.value = text
    }

    /// Why a path component breaks `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, or nil.
    private static func problem(in component: ArraySlice<UInt8>) -> String? {
        guard !component.isEmpty else { return "empty path component" }
        var index = component.startIndex
        var runLength = 0 // alphanumerics since the last separator
        while index < component.endIndex {
            let byte = component[index]
            if isAlphanumeric(byte) {
                runLength += 1
                index += 1
                continue
            }
            guard runLength > 0 else { return "separator must follow a lowercase letter or digit" }
            // A separator: ".", "_", "__", or one or more "-".
            var end = index + 1
            switch byte {
            case UInt8(ascii: "."): break
            case UInt8(ascii: "_"):
                if end < component.endIndex && component[end] == UInt8(ascii: "_") { end += 1 }
            case UInt8(ascii: "-"):
                while end < component.endIndex && component[end] == UInt8(ascii: "-") { end += 1 }
            default:
                return "only lowercase letters, digits, '.', '_', '__', '-' and '/' are allowed"
            }
            guard end < component.endIndex, isAlphanumeric(component[end]) else {
                return "separator must be followed by a lowercase letter or digit"
            }
            runLength = 0
            index = end
        }
        return nil
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// The `/`-separated components, each non-empty.
    public var components: [Substring] { value.split(separator: "/", omittingEmptySubsequences: false) }

    /// The name as written.
    public var description: String { value }

    /// Orders names by their string (byte order, as all valid names are ASCII).
    public static func < (lhs: RepositoryName, rhs: RepositoryName) -> Bool { lhs.value < rhs.value }

    /// Decodes the single string, validated; an invalid one is a `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { self = try RepositoryName(parsing: text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
