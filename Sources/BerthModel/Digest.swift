/// A content digest, `algorithm:encoded`, as the OCI image spec defines it, restricted to the
/// algorithms the registry can verify (sha256, sha512). The encoded part is always lowercase hex
/// of the algorithm's length: two equal digests are equal strings.
public struct Digest: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The hash algorithm.
    public let algorithm: DigestAlgorithm
    /// The hash: always `algorithm.hexLength` characters of lowercase hex.
    public let encoded: String

    /// Parses `algorithm:encoded`.
    ///
    /// Grammar (image spec): `algorithm := component (separator component)*`, `component :=
    /// [a-z0-9]+`, `separator := [+._-]`, `encoded := [a-zA-Z0-9=_-]+`. A string outside the
    /// grammar is `invalidDigest`; one inside it with another algorithm is
    /// `unsupportedDigestAlgorithm`; sha256/sha512 need exactly 64/128 characters of `[a-f0-9]`.
    public init(parsing string: some StringProtocol) throws(ValidationError) {
        let text = String(string)
        let utf8 = Array(text.utf8)
        guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")) else {
            throw .invalidDigest(text, reason: "expected algorithm:encoded")
        }
        let algorithmBytes = utf8[..<colon]
        let encodedBytes = utf8[(colon + 1)...]
        guard Self.isValidAlgorithm(algorithmBytes) else {
            throw .invalidDigest(text, reason: "malformed algorithm")
        }
        guard !encodedBytes.isEmpty, encodedBytes.allSatisfy(Self.isEncodedCharacter) else {
            throw .invalidDigest(text, reason: "malformed encoded part")
        }
        guard let algorithm = DigestAlgorithm(rawValue: String(decoding: algorithmBytes, as: UTF8.self)) else {
            throw .unsupportedDigestAlgorithm(text)
        }
        try self.init(algorithm: algorithm, encodedBytes: encodedBytes, original: text)
    }

    /// A digest from its parts.
    /// - Throws: `invalidDigest` unless `encoded` is lowercase hex of the algorithm's length.
    public init(algorithm: DigestAlgorithm, encoded: String) throws(ValidationError) {
        try self.init(algorithm: algorithm, encodedBytes: Array(encoded.utf8)[...], original: "\(algorithm.rawValue):\(encoded)")
    }

    /// A digest from the raw hash bytes.
    /// - Throws: `invalidDigest` unless there are exactly `algorithm.byteCount` of them.
    public init(algorithm: DigestAlgorithm, rawBytes: some Collection<UInt8>) throws(ValidationError) {
        guard rawBytes.count == algorithm.byteCount else {
            throw .invalidDigest("\(algorithm.rawValue):", reason: "expected \(algorithm.byteCount) hash bytes, got \(rawBytes.count)")
        }
        self.algorithm = algorithm
        // Digests decoded from the index go through here by the hundred thousand (GC, fsck,
        // listings): one pass over contiguous bytes into the string's own storage.
        self.encoded = rawBytes.withContiguousStorageIfAvailable(Self.lowercaseHex) ?? Self.lowercaseHex(Array(rawBytes))
    }

    private static func lowercaseHex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer(lowercaseHex)
    }

    private static func lowercaseHex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (position, byte) in bytes.enumerated() {
                out[2 * position] = hexDigit(byte >> 4)
                out[2 * position + 1] = hexDigit(byte & 0x0f)
            }
            return bytes.count * 2
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    private init(algorithm: DigestAlgorithm, encodedBytes: ArraySlice<UInt8>, original: String) throws(ValidationError) {
        guard encodedBytes.count == algorithm.hexLength else {
            throw .invalidDigest(original, reason: "\(algorithm.rawValue) needs \(algorithm.hexLength) hex characters, got \(encodedBytes.count)")
        }
        guard encodedBytes.allSatisfy(Self.isLowerHex) else {
            throw .invalidDigest(original, reason: "encoded part must be lowercase hex")
        }
        self.algorithm = algorithm
        self.encoded = String(decoding: encodedBytes, as: UTF8.self)
    }

    /// The decoded hash bytes, `algorithm.byteCount` of them.
    public var rawBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(algorithm.byteCount)
        let utf8 = Array(encoded.utf8)
        var index = 0
        while index + 1 < utf8.count {
            bytes.append(Self.nibble(utf8[index]) << 4 | Self.nibble(utf8[index + 1]))
            index += 2
        }
        return bytes
    }

    /// `algorithm:encoded`.
    public var description: String { "\(algorithm.rawValue):\(encoded)" }

    /// Orders digests by their string, so sorted lists are stable and readable.
    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    /// Decodes the single string `algorithm:encoded`; an invalid one is a `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Digest(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the single string `algorithm:encoded`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // MARK: Character classes

    private static func isValidAlgorithm(_ bytes: ArraySlice<UInt8>) -> Bool {
        var previousWasSeparator = true // the first character may not be a separator
        for byte in bytes {
            if isLowerAlphanumeric(byte) {
                previousWasSeparator = false
            } else if byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") {
                if previousWasSeparator { return false }
                previousWasSeparator = true
            } else {
                return false
            }
        }
        return !previousWasSeparator
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isEncodedCharacter(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func nibble(_ byte: UInt8) -> UInt8 {
        byte <= UInt8(ascii: "9") ? byte &- UInt8(ascii: "0") : byte &- UInt8(ascii: "a") &+ 10
    }
}
