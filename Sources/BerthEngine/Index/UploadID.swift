import Foundation

/// The id of an upload session: 128 random bits, written as 32 lowercase hex digits.
///
/// Random (not sequential) so that one client cannot guess another's session.
public struct UploadID: Sendable, Hashable, CustomStringConvertible {
    /// The 16 random bytes.
    let bytes: [UInt8]

    /// A new random id from the system's cryptographic generator.
    public static func random() -> UploadID {
        var generator = SystemRandomNumberGenerator()
        return UploadID(bytes: (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Parses the 32-hex-digit form; nil for anything else.
    public init?(_ string: some StringProtocol) {
        let utf8 = Array(string.utf8)
        guard utf8.count == 32 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var index = 0
        while index < 32 {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.bytes = bytes
    }

    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
