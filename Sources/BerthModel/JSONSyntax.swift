/// A strict RFC 8259 syntax check of a whole JSON text, run before JSONDecoder.
///
/// Why it exists: Foundation's JSONDecoder only fully parses the values it is asked for, so
/// invalid JSON inside an unknown field (`-`, `1.`, `"\q"`, raw control characters, invalid
/// UTF-8) would pass, and with duplicate keys it keeps the first where Go clients keep the last.
/// A registry must not store a manifest that clients would read differently, so this refuses
/// both, and a nesting deeper than `maximumDepth`. It allocates only for object keys (to find
/// duplicates) and never recurses, so no input can exhaust the stack.
struct JSONSyntax {
    /// Deeper than any manifest needs, well under JSONDecoder's own limit (512).
    static let maximumDepth = 128

    /// Why `bytes` is not one valid JSON text without duplicate keys, or nil when it is.
    static func problem(in bytes: [UInt8]) -> String? {
        switch check(bytes) {
        case .success: nil
        case .failure(let failure): failure.reason
        }
    }

    /// What a valid text holds that decoding needs to know.
    struct Findings: Sendable {
        /// The paths (as `ManifestProblem` renders them) of numbers written with a fraction or
        /// an exponent (`2.0`, `1e3`): JSONDecoder reads them as integers when asked to, Go's
        /// encoding/json refuses them for integer fields, so integer fields refuse them too.
        var fractionalNumbers: Set<String> = []
    }

    /// The findings of a valid text, or why it is not one.
    static func check(_ bytes: [UInt8]) -> Result<Findings, Failure> {
        var checker = JSONSyntax(bytes: bytes)
        do throws(Failure) {
            try checker.checkText()
            return .success(checker.findings)
        } catch {
            return .failure(error)
        }
    }

    /// Why a text is not valid JSON (or has a duplicate key or is nested too deep).
    struct Failure: Error {
        let reason: String
    }

    /// An open container: an object and the member being read, or an array and the position.
    private enum Frame {
        case object(current: String)
        case array(index: Int)
    }

    private let bytes: [UInt8]
    private var index = 0
    private var stack: [Frame] = []
    /// The member names seen so far in each open object, innermost last. Kept apart from
    /// `stack` so a set is mutated in place, never copied per key.
    private var keySets: [Set<[UInt8]>] = []
    private var findings = Findings()

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: Structure

    private mutating func checkText() throws(Failure) {
        var expectingValue = true
        while true {
            if expectingValue {
                skipWhitespace()
                guard index < bytes.count else { throw unexpectedEnd() }
                switch bytes[index] {
                case UInt8(ascii: "{"):
                    try push(.object(current: ""))
                    index += 1
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                        index += 1
                        pop()
                        expectingValue = false
                    } else {
                        try checkKey()
                    }
                    continue
                case UInt8(ascii: "["):
                    try push(.array(index: 0))
                    index += 1
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                        index += 1
                        pop()
                        expectingValue = false
                    }
                    continue
                case UInt8(ascii: "\""): _ = try checkString(decoding: false)
                case UInt8(ascii: "t"): try checkLiteral("true")
                case UInt8(ascii: "f"): try checkLiteral("false")
                case UInt8(ascii: "n"): try checkLiteral("null")
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try checkNumber()
                default: throw unexpected()
                }
                expectingValue = false
            }
            // After a value: the end of the text, or what its container allows next.
            skipWhitespace()
            guard let top = stack.last else {
                guard index == bytes.count else { throw unexpected(after: "the document") }
                return
            }
            guard index < bytes.count else { throw unexpectedEnd() }
            switch (top, bytes[index]) {
            case (.object, UInt8(ascii: ",")):
                index += 1
                skipWhitespace()
                try checkKey()
                expectingValue = true
            case (.array(let position), UInt8(ascii: ",")):
                index += 1
                stack[stack.count - 1] = .array(index: position + 1)
                expectingValue = true
            case (.object, UInt8(ascii: "}")), (.array, UInt8(ascii: "]")):
                index += 1
                pop()
            default:
                throw unexpected()
            }
        }
    }

    private mutating func push(_ frame: Frame) throws(Failure) {
        guard stack.count < Self.maximumDepth else {
            throw Failure(reason: "not valid JSON: nested deeper than \(Self.maximumDepth) levels at byte \(index)")
        }
        stack.append(frame)
        if case .object = frame { keySets.append([]) }
    }

    private mutating func pop() {
        if case .object = stack.removeLast() { keySets.removeLast() }
    }

    /// A member name and its colon, refusing a name the object already has.
    private mutating func checkKey() throws(Failure) {
        guard index < bytes.count else { throw unexpectedEnd() }
        guard bytes[index] == UInt8(ascii: "\"") else { throw unexpected(expecting: "a member name") }
        let key = try checkString(decoding: true)
        let name = String(decoding: key, as: UTF8.self)
        guard keySets[keySets.count - 1].insert(key).inserted else {
            throw Failure(reason: "\(path()): duplicate key \(ValidationError.quote(name))")
        }
        stack[stack.count - 1] = .object(current: name)
        skipWhitespace()
        guard index < bytes.count else { throw unexpectedEnd() }
        guard bytes[index] == UInt8(ascii: ":") else { throw unexpected(expecting: "':'") }
        index += 1
    }

    /// The path of the innermost open container, as `ManifestProblem` renders paths: each
    /// enclosing container contributes the member or position that leads into the next.
    private func path() -> String { Self.render(stack.dropLast()) }

    /// The path of the value being read: every open container and the member or position in it.
    private func valuePath() -> String { Self.render(stack[...]) }

    /// Frames as `ManifestProblem` renders a coding path: each contributes its member or position.
    private static func render(_ frames: ArraySlice<Frame>) -> String {
        ManifestProblem.render(frames.map { frame -> any CodingKey in
            switch frame {
            case .object(let current): PathKey(stringValue: current)
            case .array(let position): PathKey(intValue: position)
            }
        })
    }

    // MARK: Tokens

    /// A string at `index` (its opening quote), leaving `index` after it.
    /// - Returns: its decoded UTF-8 when `decoding`, else an empty array.
    private mutating func checkString(decoding: Bool) throws(Failure) -> [UInt8] {
        let start = index
        index += 1
        var decoded: [UInt8] = []
        var runStart = index
        var isASCII = true
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                if !isASCII, String(validating: bytes[(start + 1)..<index], as: UTF8.self) == nil {
                    throw Failure(reason: "not valid JSON: invalid UTF-8 in the string at byte \(start)")
                }
                if decoding { decoded += bytes[runStart..<index] }
                index += 1
                return decoded
            case UInt8(ascii: "\\"):
                if decoding { decoded += bytes[runStart..<index] }
                index += 1
                guard index < bytes.count else { throw unexpectedEnd() }
                let escaped: UInt8
                switch bytes[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): escaped = bytes[index]
                case UInt8(ascii: "b"): escaped = 0x08
                case UInt8(ascii: "f"): escaped = 0x0C
                case UInt8(ascii: "n"): escaped = 0x0A
                case UInt8(ascii: "r"): escaped = 0x0D
                case UInt8(ascii: "t"): escaped = 0x09
                case UInt8(ascii: "u"):
                    let scalar = try checkUnicodeEscape()
                    if decoding { decoded += Array(String(Character(scalar)).utf8) }
                    runStart = index
                    continue
                default:
                    throw Failure(reason: "not valid JSON: invalid escape at byte \(index - 1)")
                }
                if decoding { decoded.append(escaped) }
                index += 1
                runStart = index
            case 0x00..<0x20:
                throw Failure(reason: "not valid JSON: unescaped control character in the string at byte \(index)")
            default:
                if byte >= 0x80 { isASCII = false }
                index += 1
            }
        }
        throw unexpectedEnd()
    }

    /// `uXXXX` (index on the `u`), or a surrogate pair of two; leaves `index` after it.
    private mutating func checkUnicodeEscape() throws(Failure) -> Unicode.Scalar {
        let escapeStart = index - 1
        let first = try hexQuad()
        if (0xDC00...0xDFFF).contains(first) {
            throw Failure(reason: "not valid JSON: lone low surrogate at byte \(escapeStart)")
        }
        guard (0xD800...0xDBFF).contains(first) else {
            // Not a surrogate, so always a scalar; the fallback is never taken.
            return Unicode.Scalar(first) ?? "\u{FFFD}"
        }
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
            throw Failure(reason: "not valid JSON: lone high surrogate at byte \(escapeStart)")
        }
        index += 1
        let second = try hexQuad()
        guard (0xDC00...0xDFFF).contains(second) else {
            throw Failure(reason: "not valid JSON: lone high surrogate at byte \(escapeStart)")
        }
        let value = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
        return Unicode.Scalar(value) ?? "\u{FFFD}"
    }

    /// The four hex digits after the `u` at `index`; leaves `index` after them.
    private mutating func hexQuad() throws(Failure) -> UInt16 {
        guard index + 4 < bytes.count else { throw unexpectedEnd() }
        var value: UInt16 = 0
        for offset in 1...4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Failure(reason: "not valid JSON: invalid \\u escape at byte \(index - 1)")
            }
            value = value << 4 | UInt16(digit)
        }
        index += 5
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; what follows is the caller's to
    /// check. A fraction or exponent is noted with the number's path (see `Findings`).
    private mutating func checkNumber() throws(Failure) {
        let start = index
        defer {
            if bytes[start..<index].contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
                findings.fractionalNumbers.insert(valuePath())
            }
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw unexpectedEnd() }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            try digits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try digits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
    }

    /// One or more digits.
    private mutating func digits() throws(Failure) {
        guard index < bytes.count else { throw unexpectedEnd() }
        guard Self.isDigit(bytes[index]) else { throw unexpected(expecting: "a digit") }
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
    }

    private mutating func checkLiteral(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw unexpectedEnd() }
        let matches = literal.withUTF8Buffer { expected in bytes[index..<(index + count)].elementsEqual(expected) }
        guard matches else { throw unexpected() }
        index += count
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    // MARK: Failures

    private func unexpectedEnd() -> Failure {
        Failure(reason: bytes.isEmpty ? "not valid JSON: empty" : "not valid JSON: unexpected end")
    }

    private func unexpected(expecting expected: String? = nil, after: String? = nil) -> Failure {
        let byte = bytes[index]
        let shown = (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
        var reason = "not valid JSON: unexpected \(shown) at byte \(index)"
        if let after { reason += " after \(after)" }
        if let expected { reason += ", expected \(expected)" }
        return Failure(reason: reason)
    }
}

/// A coding key for paths `JSONSyntax` reports: an object member or an array position.
private struct PathKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        // Spelled as JSONDecoder spells array positions, so `ManifestProblem.render` shows `[n]`.
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}
