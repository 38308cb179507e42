import BerthModel

/// Appends fixed-width big-endian integers and length-prefixed fields to a byte array.
///
/// Big-endian so that integer key parts sort numerically under LMDB's bytewise key order.
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
    mutating func raw(_ value: some Sequence<UInt8>) { bytes.append(contentsOf: value) }
    /// A digest as one algorithm byte and its raw hash bytes (33 or 65 bytes): fixed width per
    /// algorithm, so it needs no length prefix inside a key.
    mutating func digest(_ digest: Digest) { raw(digest.indexBytes) }
    /// A field of up to 4 GiB with a 32-bit length prefix.
    mutating func blob(_ value: some Collection<UInt8>) { u32(UInt32(value.count)); raw(value) }
    mutating func string(_ value: String) { blob(Array(value.utf8)) }
}

/// Reads what `BinaryWriter` wrote; every read checks bounds and throws on truncated or
/// malformed input, so a damaged record is an error, never a crash.
struct BinaryReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    init(_ buffer: UnsafeRawBufferPointer) { self.init(Array(buffer)) }

    var isAtEnd: Bool { offset >= bytes.count }
    var remaining: ArraySlice<UInt8> { bytes[min(offset, bytes.count)...] }

    private mutating func take(_ count: Int) throws(IndexCorruption) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else { throw IndexCorruption("record truncated at byte \(offset)") }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func u8() throws(IndexCorruption) -> UInt8 { try take(1).first ?? 0 }
    mutating func u32() throws(IndexCorruption) -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func u64() throws(IndexCorruption) -> UInt64 { try take(8).reduce(0) { $0 << 8 | UInt64($1) } }
    mutating func i64() throws(IndexCorruption) -> Int64 { Int64(bitPattern: try u64()) }
    mutating func digest() throws(IndexCorruption) -> Digest {
        let code = try u8()
        guard let algorithm = DigestAlgorithm(indexCode: code) else { throw IndexCorruption("unknown digest algorithm code \(code)") }
        let raw = try take(algorithm.byteCount)
        do { return try Digest(algorithm: algorithm, rawBytes: raw) } catch { throw IndexCorruption("bad digest bytes") }
    }
    mutating func blob() throws(IndexCorruption) -> ArraySlice<UInt8> { try take(Int(try u32())) }
    mutating func string() throws(IndexCorruption) -> String {
        let raw = try blob()
        guard let value = String(validating: raw, as: UTF8.self) else { throw IndexCorruption("invalid UTF-8 in record") }
        return value
    }
    mutating func rest() -> ArraySlice<UInt8> {
        defer { offset = bytes.count }
        return bytes[min(offset, bytes.count)...]
    }
}

/// An index record that cannot be decoded: the index file is damaged or from another version.
struct IndexCorruption: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = "index record corrupt: \(description)" }
}

extension DigestAlgorithm {
    /// The one-byte code of the algorithm inside index keys. Never renumber: it is on disk.
    var indexCode: UInt8 {
        switch self {
        case .sha256: 1
        case .sha512: 2
        }
    }

    init?(indexCode: UInt8) {
        switch indexCode {
        case 1: self = .sha256
        case 2: self = .sha512
        default: return nil
        }
    }
}

extension Digest {
    /// The digest as stored in index keys: algorithm code then raw hash bytes.
    var indexBytes: [UInt8] { [algorithm.indexCode] + rawBytes }
}
