import BerthModel
import Foundation
import Testing
@testable import BerthEngine
import BerthSigningTestSupport

/// A trust server's checks of a publish (`TrustUpdateCheck`): what Notary's server refuses.
@Suite struct TrustUpdateCheckTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func check(_ update: [String: [UInt8]], current: [String: [UInt8]] = [:], serverSignsSnapshot: Bool = false) throws(TrustUpdateRefusal) -> [String: TUFSignedDocument] {
        try TrustUpdateCheck(current: current, now: now, serverSignsSnapshot: serverSignsSnapshot).check(update)
    }

    @Test func aFirstPublishOfRootTargetsAndSnapshotIsAccepted() throws {
        let repository = TUFTestRepository()
        defer { repository.remove() }
        let accepted = try check(repository.firstPublish())
        #expect(Set(accepted.keys) == ["root", "targets", "snapshot"])
    }

    @Test func aNameWithoutTrustDataNeedsARoot() throws {
        let repository = TUFTestRepository()
        defer { repository.remove() }
        let targets = repository.targets()
        #expect(throws: TrustUpdateRefusal.notAllowed("this name has no trust data yet: the first publish must carry a root")) {
            try check(["targets": targets, "snapshot": repository.snapshot(pinning: ["targets": targets])])
        }
    }

    @Test func targetsSignedByAKeyTheRootDoesNotListAreRefused() throws {
        let repository = TUFTestRepository()
        defer { repository.remove() }
        var update = repository.firstPublish()
        update["targets"] = repository.targets(signedBy: repository.snapshotKey)
        update["snapshot"] = repository.snapshot(pinning: ["root": update["root"]!, "targets": update["targets"]!])
        #expect(throws: TrustUpdateRefusal.notSigned(role: "targets", reason: "0 of the 1 signatures needed by the root's targets keys verify")) {
            try check(update)
        }
    }

    @Test func aVersionThatDoesNotIncreaseIsARollback() throws {
        let repository = TUFTestRepository()
        defer { repository.remove() }
        let current = repository.firstPublish()
        let again = repository.targets(version: 1, targets: ["v2": Array("other".utf8)])
        #expect(throws: TrustUpdateRefusal.rollback(role: "targets", current: 1, sent: 1)) {
            try check(["targets": again, "snapshot": repository.snapshot(version: 2, pinning: ["root": current["root"]!, "targets": again])], current: current)
        }
        let newer = repository.targets(version: 2, targets: ["v2": Array("other".utf8)])
        let accepted = try check(["targets": newer, "snapshot": repository.snapshot(version: 2, pinning: ["root": current["root"]!, "targets": newer])],
                                 current: current)
        #expect(Set(accepted.keys) == ["targets", "snapshot"])
    }

    @Test func aSnapshotNamingAnotherHashOrLeavingOutAChangedRoleIsRefused() throws {
        let repository = TUFTestRepository()
        defer { repository.remove() }
        var update = repository.firstPublish()
        update["snapshot"] = repository.snapshot(pinning: ["root": update["root"]!, "targets": repository.targets(targets: ["v9": [1]])])
        #expect(throws: TrustUpdateRefusal.self) { try check(update) }
        update["snapshot"] = repository.snapshot(pinning: ["root": update["root"]!])
        #expect(throws: TrustUpdateRefusal.inconsistentSnapshot("it must pin targets")) { try check(update) }
    }

    @Test func anExpiredRoleIsRefused() throws {
        let repository = TUFTestRepository()
        defer { repository.remove() }
        var update = repository.firstPublish()
        update["targets"] = repository.targets(expires: "2020-01-01T00:00:00Z")
        update["snapshot"] = repository.snapshot(pinning: ["root": update["root"]!, "targets": update["targets"]!])
        #expect(throws: TrustUpdateRefusal.expired(role: "targets", expires: "2020-01-01T00:00:00Z")) { try check(update) }
    }

    @Test func aNewRootIsSignedByTheCurrentRootsKeysAsWellAsItsOwn() throws {
        let repository = TUFTestRepository()
        defer { repository.remove() }
        let current = repository.firstPublish()
        let newKey = try TestSigner()
        defer { newKey.remove() }
        let selfSigned = repository.root(version: 2, rootKeys: [newKey])
        #expect(throws: TrustUpdateRefusal.notSigned(role: "root", reason: "0 of the 1 signatures needed by the current root's keys verify")) {
            try check(["root": selfSigned, "snapshot": repository.snapshot(version: 2, pinning: ["root": selfSigned, "targets": current["targets"]!])],
                      current: current)
        }
        let rotated = repository.root(version: 2, rootKeys: [newKey], signedBy: [newKey, repository.rootKey])
        let accepted = try check(["root": rotated, "snapshot": repository.snapshot(version: 2, pinning: ["root": rotated, "targets": current["targets"]!])],
                                 current: current)
        #expect(accepted["root"] != nil)
    }

    @Test func aDelegationIsAcceptedWithTheKeyItsParentListsAndWithinItsPaths() throws {
        let repository = TUFTestRepository()
        defer { repository.remove() }
        let releasesKey = try TestSigner()
        defer { releasesKey.remove() }
        let root = repository.root()
        let targets = repository.targets(delegations: [("targets/releases", releasesKey, ["release-"])])
        let releases = repository.targets(targets: ["release-1": [1, 2]], role: "targets/releases", signedBy: releasesKey)
        let files = ["root": root, "targets": targets, "targets/releases": releases]
        _ = try check(files.merging(["snapshot": repository.snapshot(pinning: files)]) { $1 })
        let byTargetsKey = repository.targets(targets: ["release-1": [1, 2]], role: "targets/releases")
        let forged = ["root": root, "targets": targets, "targets/releases": byTargetsKey]
        #expect(throws: TrustUpdateRefusal.self) { try check(forged.merging(["snapshot": repository.snapshot(pinning: forged)]) { $1 }) }
        let outside = repository.targets(targets: ["latest": [3]], role: "targets/releases", signedBy: releasesKey)
        let stray = ["root": root, "targets": targets, "targets/releases": outside]
        #expect(throws: TrustUpdateRefusal.notAllowed("targets/releases: the target latest is outside the paths targets delegates")) {
            try check(stray.merging(["snapshot": repository.snapshot(pinning: stray)]) { $1 })
        }
    }

    @Test func clientsSendNoTimestampAndNoFileOverTheLimit() throws {
        let repository = TUFTestRepository()
        defer { repository.remove() }
        var update = repository.firstPublish()
        update["timestamp"] = update["snapshot"]
        #expect(throws: TrustUpdateRefusal.notAllowed("timestamp: the server signs the timestamp; clients do not send one")) { try check(update) }
        #expect(throws: TrustUpdateRefusal.notAllowed("targets: \(repository.targets().count) bytes is over the limit of 100")) {
            try TrustUpdateCheck(current: [:], now: now, maximumFileSize: 100).check(["targets": repository.targets()])
        }
    }

    @Test func goTimesAreReadWithNanosecondsAndOffsets() {
        #expect(TrustUpdateCheck.date("2029-12-03T20:43:14.514868449Z")?.timeIntervalSince1970 ?? 0 > 1_891_000_000)
        #expect(TrustUpdateCheck.date("2030-01-01T01:00:00+01:00") == TrustUpdateCheck.date("2030-01-01T00:00:00Z"))
        #expect(TrustUpdateCheck.date("2030-01-01") == nil)
    }
}

/// Publishing through the engine: the server's timestamp, one transaction, refresh before expiry.
@Suite struct TrustPublicationTests {
    @Test func aPublishIsStoredWithAServerSignedTimestampThatIsRenewedBeforeItExpires() async throws {
        let clock = SteppingClock()
        try await withRegistry(configure: { $0.clock = clock }) { registry, _ in
            let repository = TUFTestRepository()
            defer { repository.remove() }
            let gun = "registry.example/team/app"
            let timestampKey = try await registry.trustServerKey(gun: gun, role: .timestamp)
            let root = repository.root(timestampKey: timestampKey)
            let targets = repository.targets(targets: ["v1": Array("image".utf8)])
            try await registry.publishTrust(gun: gun, files: ["root": root, "targets": targets, "snapshot": repository.snapshot(pinning: ["root": root, "targets": targets])])
            let first = try #require(try await registry.currentTimestamp(gun: gun))
            #expect(first.version == 1)
            let document = try TUFSignedDocument(parsing: first.bytes)
            let rootView = try TUFRoleMetadata.Root(TUFSignedDocument(parsing: root).signed)
            #expect(TUFVerifier.isSigned(document, by: try #require(rootView.roles["timestamp"]), keys: rootView.keys))
            #expect(try await registry.currentTimestamp(gun: gun)?.version == 1, "not renewed while valid")
            clock.advance(by: 13.5 * 86_400)
            let renewed = try #require(try await registry.currentTimestamp(gun: gun))
            #expect(renewed.version == 2, "renewed within a day of its expiry")
            #expect(try registry.trustFile(gun: gun, role: "timestamp", version: 1)?.bytes == first.bytes, "every version is kept")
        }
    }

    @Test func aRefusedPublishStoresNothing() async throws {
        try await withRegistry { registry, _ in
            let repository = TUFTestRepository()
            defer { repository.remove() }
            let gun = "registry.example/team/app"
            let timestampKey = try await registry.trustServerKey(gun: gun, role: .timestamp)
            let root = repository.root(timestampKey: timestampKey)
            let forged = repository.targets(signedBy: repository.snapshotKey)
            await #expect(throws: RegistryError.self) {
                try await registry.publishTrust(gun: gun, files: ["root": root, "targets": forged,
                                                                  "snapshot": repository.snapshot(pinning: ["root": root, "targets": forged])])
            }
            #expect(try registry.trustNames().isEmpty)
            #expect(try registry.trustFile(gun: gun, role: "root") == nil)
        }
    }
}
