/// A JSON value as TUF metadata holds it: objects, arrays, strings, integers, booleans, null.
/// TUF signs the canonical form of a value (`canonicalBytes`), so the server must read a
/// document exactly as its signer wrote it: the parser refuses what canonical JSON cannot say
/// (fractions, exponents, integers beyond 64 bits, duplicate keys) rather than round it.
public indirect enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer (TUF writes no other numbers).
    case integer(Int64)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object (its key order is not kept: canonical JSON sorts it).
    case object([String: JSONValue])

    /// The deepest nesting read (TUF metadata is five levels deep).
    public static let maximumDepth = 32

    /// Parses one JSON text (RFC 8259, UTF-8) into a value; `TUFMetadataError.malformed` says
    /// where it is not one.
    public init(parsing bytes: some Collection<UInt8>) throws(TUFMetadataError) {
        var parser = Parser(bytes: Array(bytes))
        parser.skipWhitespace()
        self = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw .malformed("text after the JSON value at byte \(parser.index)") }
    }

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The value as a string, if it is one.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// The value as an integer, if it is one.
    public var integerValue: Int64? { if case .integer(let value) = self { value } else { nil } }
    /// The value as an object's members, if it is one.
    public var objectValue: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }
    /// The value as an array's elements, if it is one.
    public var arrayValue: [JSONValue]? { if case .array(let value) = self { value } else { nil } }

    /// A recursive-descent reader over UTF-8 bytes (depth-bounded, so no input exhausts the stack).
    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(TUFMetadataError) -> JSONValue {
            guard depth < JSONValue.maximumDepth else { throw .malformed("nested deeper than \(JSONValue.maximumDepth)") }
            guard index < bytes.count else { throw .malformed("the text ends where a value should be") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .integer(try integer())
            }
        }

        mutating func object(depth: Int) throws(TUFMetadataError) -> JSONValue {
            index += 1
            var members: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw .malformed("an object key expected at byte \(index)") }
                let key = try string()
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw .malformed("':' expected at byte \(index)") }
                index += 1
                skipWhitespace()
                guard members.updateValue(try value(depth: depth + 1), forKey: key) == nil else {
                    throw .malformed("the key \"\(key)\" appears twice in one object")
                }
                skipWhitespace()
                guard index < bytes.count else { throw .malformed("the text ends inside an object") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw .malformed("',' or '}' expected at byte \(index)")
            }
        }

        mutating func array(depth: Int) throws(TUFMetadataError) -> JSONValue {
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                skipWhitespace()
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw .malformed("the text ends inside an array") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                throw .malformed("',' or ']' expected at byte \(index)")
            }
        }

        mutating func literal(_ word: String) throws(TUFMetadataError) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else {
                throw .malformed("unexpected character at byte \(index)")
            }
            index += expected.count
        }

        mutating func integer() throws(TUFMetadataError) -> Int64 {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > digitsStart else { throw .malformed("unexpected character at byte \(start)") }
            guard bytes[digitsStart] != UInt8(ascii: "0") || index - digitsStart == 1 else { throw .malformed("a number with a leading zero at byte \(start)") }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) {
                throw .malformed("a number with a fraction or an exponent at byte \(start) (TUF metadata holds integers only)")
            }
            guard let value = Int64(String(decoding: bytes[start..<index], as: UTF8.self)) else {
                throw .malformed("a number beyond 64 bits at byte \(start)")
            }
            return value
        }

        mutating func string() throws(TUFMetadataError) -> String {
            index += 1
            var scalars = String.UnicodeScalarView()
            var run: [UInt8] = []
            func flush() throws(TUFMetadataError) {
                guard !run.isEmpty else { return }
                guard let text = String(validating: run, as: UTF8.self) else { throw .malformed("a string that is not UTF-8") }
                scalars.append(contentsOf: text.unicodeScalars)
                run.removeAll(keepingCapacity: true)
            }
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    try flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    try flush()
                    index += 1
                    guard index < bytes.count else { throw .malformed("the text ends inside a string") }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): scalars.append("\"")
                    case UInt8(ascii: "\\"): scalars.append("\\")
                    case UInt8(ascii: "/"): scalars.append("/")
                    case UInt8(ascii: "b"): scalars.append("\u{08}")
                    case UInt8(ascii: "f"): scalars.append("\u{0C}")
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
                    default: throw .malformed("an unknown escape at byte \(index - 1)")
                    }
                case 0..<0x20:
                    throw .malformed("a raw control character in a string at byte \(index)")
                default:
                    run.append(byte)
                    index += 1
                }
            }
            throw .malformed("the text ends inside a string")
        }

        mutating func hexQuad() throws(TUFMetadataError) -> UInt32 {
            guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                throw .malformed("a bad \\u escape at byte \(index)")
            }
            index += 4
            return value
        }

        mutating func unicodeEscape() throws(TUFMetadataError) -> Unicode.Scalar {
            let high = try hexQuad()
            if (0xD800..<0xDC00).contains(high) {
                guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw .malformed("a lone surrogate at byte \(index)")
                }
                index += 2
                let low = try hexQuad()
                guard (0xDC00..<0xE000).contains(low), let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else {
                    throw .malformed("a bad surrogate pair at byte \(index)")
                }
                return scalar
            }
            guard let scalar = Unicode.Scalar(high) else { throw .malformed("a lone surrogate at byte \(index)") }
            return scalar
        }
    }
}
