import BerthModel
import Foundation
import Testing

/// TUF metadata as Notary writes it: the fixtures in `Tests/Fixtures/tuf/` were published by
/// Debian's `notary` client (0.7.0) to Debian's `notary-server` (init, a target `v1`, a
/// delegation `targets/releases` holding `v2`), and fetched from it.
@Suite struct TUFMetadataTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tuf")

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name + ".json")))
    }

    /// The `signed` object exactly as the file holds it (Notary's client sends it canonical).
    static func rawSigned(_ bytes: [UInt8]) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let start = text.range(of: #"{"signed":"#), let end = text.range(of: #","signatures":"#, options: .backwards) else { return [] }
        return Array(text[start.upperBound..<end.lowerBound].utf8)
    }

    @Test(arguments: ["root", "targets", "snapshot", "timestamp", "targets-releases"])
    func theCanonicalFormOfTheSignedPartIsTheBytesTheSignerSigned(_ name: String) throws {
        let bytes = try Self.fixture(name)
        let document = try TUFSignedDocument(parsing: bytes)
        #expect(document.signedBytes == Self.rawSigned(bytes))
        #expect(!document.signatures.isEmpty)
    }

    @Test func aRootListsItsKeysAndWhoSignsEachRole() throws {
        let document = try TUFSignedDocument(parsing: try Self.fixture("root"))
        let root = try TUFRoleMetadata.Root(document.signed)
        #expect(root.version == 1)
        #expect(root.keys.count == 4)
        #expect(Set(root.roles.keys) == ["root", "targets", "snapshot", "timestamp"])
        let rootKey = try #require(root.roles["root"]?.keyIDs.first.flatMap { root.keys[$0] })
        #expect(rootKey.type == "ecdsa-x509")
        #expect(String(decoding: rootKey.publicBytes, as: UTF8.self).hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(root.roles["targets"]?.threshold == 1)
        #expect(document.signatures.first?.method == "ecdsa" && document.signatures.first?.signature.count == 64)
    }

    @Test func targetsHoldTheirTargetsAndDelegations() throws {
        let targets = try TUFRoleMetadata.Targets(try TUFSignedDocument(parsing: try Self.fixture("targets")).signed)
        let v1 = try #require(targets.targets["v1"])
        #expect(v1.length == 6)
        // What `notary list` printed for v1.
        #expect(v1.hashes["sha256"]?.map { String(format: "%02x", $0) }.joined() == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        let releases = try #require(targets.delegations.first)
        #expect(releases.name == "targets/releases" && releases.threshold == 1 && releases.paths == [""])
        #expect(releases.keyIDs.allSatisfy { targets.delegationKeys[$0]?.type == "ecdsa-x509" })
        let delegated = try TUFRoleMetadata.Targets(try TUFSignedDocument(parsing: try Self.fixture("targets-releases")).signed)
        #expect(Array(delegated.targets.keys) == ["v2"] && delegated.delegations.isEmpty)
    }

    @Test func aSnapshotPinsEveryTargetsFileAndATimestampPinsTheSnapshot() throws {
        let snapshot = try TUFRoleMetadata.Snapshot(try TUFSignedDocument(parsing: try Self.fixture("snapshot")).signed)
        #expect(Set(snapshot.meta.keys) == ["root", "targets", "targets/releases"])
        #expect(snapshot.meta["targets"]?.length == Int64(try Self.fixture("targets").count))
        let timestamp = try TUFRoleMetadata.Timestamp(try TUFSignedDocument(parsing: try Self.fixture("timestamp")).signed)
        #expect(timestamp.snapshot.length == Int64(try Self.fixture("snapshot").count))
        #expect(timestamp.snapshot.hashes["sha256"]?.count == 32)
    }

    @Test func canonicalJSONSortsKeysBytewiseAndEscapesAsGoDoes() throws {
        let value = try JSONValue(parsing: Array(#"{ "b": [1, -2, true, null], "B": "<a&b>\n\u0001é\u2028", "a": {} }"#.utf8))
        #expect(String(decoding: value.canonicalBytes, as: UTF8.self) == #"{"B":"\u003ca\u0026b\u003e\n\u0001é\u2028","a":{},"b":[1,-2,true,null]}"#)
    }

    @Test(arguments: [
        (#"{"a":1.5}"#, "fraction"), (#"{"a":1e3}"#, "exponent"), (#"{"a":1,"a":2}"#, "twice"), (#"{"a":01}"#, "leading zero"),
        (#"{"a":99999999999999999999}"#, "64 bits"), (#"{"a":"\q"}"#, "escape"), (#"{"a":1} x"#, "after"), ("[" + String(repeating: "[", count: 40), "deeper"),
    ])
    func whatCanonicalJSONCannotSayIsRefused(_ text: String, _ reason: String) {
        #expect {
            try JSONValue(parsing: Array(text.utf8))
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func aDocumentOfTheWrongRoleOrWithoutThresholdIsRefusedNamingTheField() throws {
        let targets = try TUFSignedDocument(parsing: try Self.fixture("targets"))
        #expect(throws: TUFMetadataError.invalidField("_type: Root expected")) { try TUFRoleMetadata.Root(targets.signed) }
        let noThreshold = try JSONValue(parsing: Array(#"{"_type":"Root","version":1,"expires":"2030-01-01T00:00:00Z","keys":{},"roles":{"root":{"keyids":[]}}}"#.utf8))
        #expect(throws: TUFMetadataError.invalidField("roles.root.threshold: an integer of at least 1 is required")) { try TUFRoleMetadata.Root(noThreshold) }
        #expect(throws: TUFMetadataError.invalidField("signatures[0]: keyid, method and a base64 sig are required")) {
            try TUFSignedDocument(parsing: Array(#"{"signed":{},"signatures":[{"keyid":"k","method":"ecdsa","sig":"not base64!"}]}"#.utf8))
        }
    }
}
