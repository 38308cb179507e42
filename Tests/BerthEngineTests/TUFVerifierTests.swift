import BerthModel
import Foundation
import Testing
@testable import BerthEngine

/// Signature checks over the metadata Debian's `notary` client published to `notary-server`
/// (`Tests/Fixtures/tuf/`): ECDSA keys, the root's ECDSA X.509 certificate, the server's Ed25519
/// timestamp key, a delegation's certificate.
@Suite struct TUFVerifierTests {
    static func document(_ name: String) throws -> TUFSignedDocument {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/tuf/\(name).json")
        return try TUFSignedDocument(parsing: Array(try Data(contentsOf: url)))
    }

    static func root() throws -> TUFRoleMetadata.Root { try TUFRoleMetadata.Root(try document("root").signed) }

    @Test func everyKeyIdIsTheHashOfTheKeysCanonicalForm() throws {
        for (id, key) in try Self.root().keys { #expect(TUFVerifier.id(of: key) == id) }
    }

    @Test(arguments: ["root", "targets", "snapshot", "timestamp"])
    func eachTopLevelRoleIsSignedByTheKeysTheRootNames(_ role: String) throws {
        let root = try Self.root()
        let keyRole = try #require(root.roles[role])
        #expect(TUFVerifier.isSigned(try Self.document(role), by: keyRole, keys: root.keys))
    }

    @Test func aDelegationIsSignedByTheKeyItsParentTargetsNames() throws {
        let targets = try TUFRoleMetadata.Targets(try Self.document("targets").signed)
        let releases = try #require(targets.delegations.first { $0.name == "targets/releases" })
        #expect(TUFVerifier.isSigned(try Self.document("targets-releases"), by: releases, keys: targets.delegationKeys))
        // The top-level targets key does not sign for the delegation.
        let root = try Self.root()
        let topLevel = try #require(root.roles["targets"])
        #expect(!TUFVerifier.isSigned(try Self.document("targets-releases"), by: topLevel, keys: root.keys))
    }

    @Test func aSignatureByAKeyTheRoleDoesNotListIsNotCounted() throws {
        let root = try Self.root()
        // The snapshot signed, checked as if it were targets: its key is not the targets role's.
        let targetsRole = try #require(root.roles["targets"])
        #expect(!TUFVerifier.isSigned(try Self.document("snapshot"), by: targetsRole, keys: root.keys))
    }

    @Test func aChangedSignedPartNoLongerVerifies() throws {
        let root = try Self.root()
        let original = try Self.document("targets")
        var text = String(decoding: original.signedBytes, as: UTF8.self)
        text = text.replacingOccurrences(of: #""version":3"#, with: #""version":4"#)
        #expect(text != String(decoding: original.signedBytes, as: UTF8.self), "the fixture's targets is version 3")
        let signatures = original.signatures.map { #"{"keyid":"\#($0.keyID)","method":"\#($0.method)","sig":"\#(Data($0.signature).base64EncodedString())"}"# }
        let tampered = try TUFSignedDocument(parsing: Array(#"{"signed":\#(text),"signatures":[\#(signatures.joined(separator: ","))]}"#.utf8))
        #expect(!TUFVerifier.isSigned(tampered, by: try #require(root.roles["targets"]), keys: root.keys))
    }

    @Test func aThresholdAboveTheSignaturesIsNotMet() throws {
        let root = try Self.root()
        let targets = try #require(root.roles["targets"])
        let stricter = TUFRoleMetadata.KeyRole(name: "targets", keyIDs: targets.keyIDs, threshold: 2, paths: nil)
        #expect(!TUFVerifier.isSigned(try Self.document("targets"), by: stricter, keys: root.keys))
    }
}
