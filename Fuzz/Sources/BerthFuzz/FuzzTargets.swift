import BerthModel
import Foundation

/// The parsers under fuzzing. Each takes any bytes and must return (a value or a typed error),
/// never trap; a trap is what the fuzzer reports.
enum FuzzTargets {
    /// Target names, as `Fuzz/run` and the corpus folders spell them.
    static let names = ["manifest", "names", "ranges", "tokens"]

    /// Runs one input through one target.
    static func run(_ target: String, _ bytes: UnsafeBufferPointer<UInt8>) {
        switch target {
        case "manifest": manifest(bytes)
        case "names": names(bytes)
        case "ranges": ranges(bytes)
        case "tokens": tokens(bytes)
        default: break
        }
    }

    /// Manifest and index parsing of every media type: the first byte picks the Content-Type.
    static func manifest(_ bytes: UnsafeBufferPointer<UInt8>) {
        let types: [String?] = [nil, MediaType.ociImageManifest.rawValue, MediaType.ociImageIndex.rawValue,
                                MediaType.dockerManifest.rawValue, MediaType.dockerManifestList.rawValue]
        let contentType = bytes.first.map { types[Int($0) % types.count] } ?? nil
        if let manifest = try? Manifest(parsing: bytes.dropFirst(), contentType: contentType) {
            _ = manifest.artifactType
            _ = manifest.requiredBlobs
            _ = AccessoryClassifier.classify(.init(manifest: manifest))
        }
    }

    /// Digests, repository names, tags, references, media types and globs.
    static func names(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? Digest(parsing: text)
        _ = try? RepositoryName(parsing: text)
        if let tag = try? Tag(parsing: text) { _ = AccessoryClassifier.tagSchemeSubject(tag) }
        _ = try? Reference(parsing: text)
        _ = try? MediaType(validating: text)
        let halves = text.split(separator: "\n", maxSplits: 1)
        if halves.count == 2 { _ = GlobPattern(String(halves[0].prefix(64))).matches(String(halves[1].prefix(256))) }
    }

    /// `Range` and `Content-Range` headers.
    static func ranges(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        let size = Int64(bytes.first ?? 0) * 97
        _ = try? ByteRange.parse(text, size: size)
        _ = ContentRange(parsing: text)
    }

    /// Token scopes and JWTs.
    static func tokens(_ bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = TokenScope(parsing: text)
        _ = try? JSONWebToken(parsing: text)
        _ = JSONWebToken.base64URLDecode(text)
    }
}
