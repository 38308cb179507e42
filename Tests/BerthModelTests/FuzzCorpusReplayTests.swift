import BerthModel
import Foundation
import Testing

/// Replays the fuzz corpus (`Fuzz/Corpus`: seeds and every crash ever found) through the
/// parsers, so ordinary builds keep the fuzzers' findings fixed.
@Suite struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus").path

    static func inputs(_ target: String) -> [[UInt8]] {
        let folder = "\(corpus)/\(target)"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.sorted().compactMap { FileManager.default.contents(atPath: "\(folder)/\($0)").map(Array.init) }
    }

    @Test func theManifestCorpusParsesWithoutTrapping() {
        let inputs = Self.inputs("manifest")
        #expect(inputs.count >= 5)
        var parsed = 0
        for input in inputs {
            let types: [String?] = [nil, MediaType.ociImageManifest.rawValue, MediaType.ociImageIndex.rawValue,
                                    MediaType.dockerManifest.rawValue, MediaType.dockerManifestList.rawValue]
            let contentType = input.first.map { types[Int($0) % types.count] } ?? nil
            if (try? Manifest(parsing: input.dropFirst(), contentType: contentType)) != nil { parsed += 1 }
        }
        // The seeds are real manifests: most of them parse.
        #expect(parsed >= 5)
    }

    @Test func theOtherCorporaParseWithoutTrapping() {
        for target in ["names", "ranges", "tokens"] {
            let inputs = Self.inputs(target)
            #expect(!inputs.isEmpty, "\(target)")
            for input in inputs {
                let text = String(decoding: input, as: UTF8.self)
                _ = try? Digest(parsing: text)
                _ = try? RepositoryName(parsing: text)
                _ = try? Reference(parsing: text)
                _ = try? MediaType(validating: text)
                _ = try? ByteRange.parse(text, size: Int64(input.first ?? 0) * 97)
                _ = ContentRange(parsing: text)
                _ = TokenScope(parsing: text)
                _ = try? JSONWebToken(parsing: text)
            }
        }
    }
}
