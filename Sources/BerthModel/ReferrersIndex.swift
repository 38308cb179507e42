import Foundation

/// The image index of a subject's referrers: what the referrers API answers with, and what a
/// registry without that API holds under the subject's referrers tag (`ReferrersTagSchema`).
public struct ReferrersIndex: Encodable, Sendable, Equatable {
    /// Always 2.
    public let schemaVersion = 2
    /// Always the OCI image index media type.
    public let mediaType = MediaType.ociImageIndex.rawValue
    /// The referrers' descriptors, in order.
    public let manifests: [Descriptor]

    /// An index of `manifests`.
    public init(manifests: [Descriptor]) {
        self.manifests = manifests
    }

    /// The index as JSON with sorted keys, as `JSONEncoder` with `.sortedKeys` writes it.
    ///
    /// Written by hand for the descriptors the referrers index holds (media type, digest, size,
    /// annotations, artifact type): JSONEncoder on Linux spends about 5 µs per descriptor, most of
    /// the cost of a page of 1 000. Any other field present (urls, data, platform) falls back to
    /// JSONEncoder, so the output is always complete.
    public func encoded() throws -> Data {
        guard manifests.allSatisfy({ $0.urls == nil && $0.data == nil && $0.platform == nil }) else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return try encoder.encode(self)
        }
        var out: [UInt8] = []
        out.reserveCapacity(64 + manifests.count * 320)
        out += #"{"manifests":["#.utf8
        for (position, descriptor) in manifests.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            if let annotations = descriptor.annotations {
                out += #""annotations":{"#.utf8
                for (number, key) in annotations.keys.sorted().enumerated() {
                    if number > 0 { out.append(UInt8(ascii: ",")) }
                    Self.appendQuoted(key, to: &out)
                    out.append(UInt8(ascii: ":"))
                    Self.appendQuoted(annotations[key] ?? "", to: &out)
                }
                out += "},".utf8
            }
            if let artifactType = descriptor.artifactType {
                out += #""artifactType":"#.utf8
                Self.appendQuoted(artifactType.rawValue, to: &out)
                out.append(UInt8(ascii: ","))
            }
            out += #""digest":"#.utf8
            Self.appendQuoted(descriptor.digest, to: &out)
            out += #","mediaType":"#.utf8
            Self.appendQuoted(descriptor.mediaType.rawValue, to: &out)
            out += #","size":"#.utf8
            out += String(descriptor.size).utf8
            out.append(UInt8(ascii: "}"))
        }
        out += #"],"mediaType":"\#(mediaType)","schemaVersion":\#(schemaVersion)}"#.utf8
        return Data(out)
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped, everything
    /// else (slashes and non-ASCII included) as is. One pass over the UTF-8 bytes, copying the
    /// runs between escapes whole (most strings have none): a page of 1 000 descriptors quotes
    /// thousands of strings, and a per-byte walk of `String.UTF8View` was a tenth of its time.
    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for (position, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                appendEscaped(byte, to: &out)
                runStart = position + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `digest` as a JSON string: `algorithm:hex` needs no escape (both parts are validated).
    static func appendQuoted(_ digest: Digest, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        out += digest.algorithm.rawValue.utf8
        out.append(UInt8(ascii: ":"))
        out += digest.encoded.utf8
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out += #"\""#.utf8
        case UInt8(ascii: "\\"): out += #"\\"#.utf8
        case UInt8(ascii: "\n"): out += #"\n"#.utf8
        case UInt8(ascii: "\r"): out += #"\r"#.utf8
        case UInt8(ascii: "\t"): out += #"\t"#.utf8
        default:
            let hex = String(byte, radix: 16)
            out += ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8
        }
    }
}
