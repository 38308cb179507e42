@testable import BerthEngine
import BerthModel
import Foundation
import Testing

/// The behaviour every `MetadataIndex` implementation owes the registry, with the rules of
/// `Rules/` running inside its transactions. Each test runs once per implementation.
@Suite struct IndexContractTests {
    let app = repo("contract/app")

    // MARK: Transactions

    @Test(arguments: IndexImplementation.all)
    func aWriteThatThrowsLeavesNothingVisible(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let digest = sha256("rolled back")
        let app = app
        await #expect(throws: RegistryError.self) {
            try await fixture.index.write { txn in
                try txn.putBlobLink(BlobLink(digest: digest, size: 1, linkedAt: Date()), in: app)
                throw RegistryError.storage("the rule refused")
            }
        }
        #expect(try fixture.index.blobLink(digest, in: app) == nil)
        #expect(try fixture.index.repositories(after: nil, limit: 10).items.isEmpty)
    }

    @Test(arguments: IndexImplementation.all)
    func aPushesAuditEventIsStoredWithThePushAndSurvivesReopening(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let image = try await fixture.image(app, seed: "audited")
        let event = AuditEvent(time: fixture.now, actor: "alice", action: "push", repository: app.value,
                               digest: image.digest.description, detail: "v1")
        try await fixture.put(image, in: app, tags: ["v1"], audit: event)
        let reopened = try fixture.reopened()
        defer { reopened.close() }
        #expect(try reopened.auditEvents(limit: 10) == [try event.encoded()])
    }

    @Test(arguments: IndexImplementation.all)
    func aRefusedPushStoresNeitherTheManifestNorItsAuditEvent(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let image = try await fixture.image(app, seed: "refused")
        // Pushed into a repository where its blobs are not linked: the publication rule refuses it.
        let other = repo("contract/other")
        let event = AuditEvent(time: fixture.now, actor: "mallory", action: "push", repository: other.value)
        await #expect(throws: RegistryError.self) { try await fixture.put(image, in: other, tags: ["v1"], audit: event) }
        #expect(try fixture.index.auditEvents(limit: 10).isEmpty)
        #expect(try fixture.index.manifest(image.digest, in: other) == nil)
    }

    @Test(arguments: IndexImplementation.all)
    func whatAWriteStoredIsThereAfterReopening(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let image = try await fixture.image(app, seed: "durable")
        try await fixture.put(image, in: app, tags: ["v1"])
        let reopened = try fixture.reopened()
        defer { reopened.close() }
        #expect(try reopened.resolve(tag: tag("v1"), in: app) == image.digest)
        #expect(try reopened.manifestBytes(image.digest) == image.bytes)
    }

    @Test(arguments: IndexImplementation.all)
    func aRehearsalComputesTheOutcomeAndKeepsNothing(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let image = try await fixture.image(app, seed: "dry")
        try await fixture.put(image, in: app, tags: ["old"])
        let records = try fixture.index.tagRecords(in: app)
        let outcome = try await fixture.index.retireTags(records, in: app, dryRun: true, protection: nil)
        #expect(outcome.tags == [tag("old")])
        #expect(outcome.manifests == [image.digest])
        #expect(try fixture.index.resolve(tag: tag("old"), in: app) == image.digest)
        #expect(try fixture.index.manifest(image.digest, in: app) != nil)
    }

    // MARK: Publication

    @Test(arguments: IndexImplementation.all)
    func aManifestIsStoredWithItsExactBytesAndItsTag(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let image = try await fixture.image(app, seed: "stored")
        let record = try await fixture.put(image, in: app, tags: ["v1"])
        #expect(record.digest == image.digest)
        #expect(record.size == Int64(image.bytes.count))
        #expect(record.blobs.count == 2)
        #expect(try fixture.index.manifest(image.digest, in: app) == record)
        #expect(try fixture.index.manifestBytes(image.digest) == image.bytes)
        #expect(try fixture.index.tags(of: image.digest, in: app) == [tag("v1")])
        #expect(try fixture.index.tags(in: app, after: nil, limit: 10)?.items == [tag("v1")])
        #expect(try fixture.index.manifests(in: app).map(\.digest) == [image.digest])
    }

    @Test(arguments: IndexImplementation.all)
    func aManifestNamingABlobTheRepositoryLacksIsRefusedWholly(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let image = try await fixture.image(repo("contract/other"), seed: "elsewhere")
        await #expect(throws: RegistryError.self) { try await fixture.put(image, in: app, tags: ["v1"]) }
        #expect(try fixture.index.manifest(image.digest, in: app) == nil)
        #expect(try fixture.index.resolve(tag: tag("v1"), in: app) == nil)
        #expect(try fixture.index.tags(in: app, after: nil, limit: 10) == nil)
    }

    @Test(arguments: IndexImplementation.all)
    func aDescriptorWhoseSizeIsNotTheBlobsIsRefused(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let image = try await fixture.image(app, seed: "sized")
        // The layer linked again with another size: the manifest's descriptor no longer matches.
        try await fixture.linkedBlob(app, seed: "sized-layer", size: 99)
        await #expect(throws: RegistryError.self) { try await fixture.put(image, in: app) }
        #expect(try fixture.index.manifest(image.digest, in: app) == nil)
    }

    @Test(arguments: IndexImplementation.all)
    func pushingAManifestAgainKeepsItsFirstPushTimeAndRecordsTheNewPush(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let image = try await fixture.image(app, seed: "again")
        try await fixture.put(image, in: app, at: fixture.now)
        let later = fixture.now.addingTimeInterval(3600)
        let again = try await fixture.put(image, in: app, at: later)
        #expect(again.pushedAt == fixture.now)
        let app = app
        #expect(try fixture.index.read { try $0.lastPush(of: image.digest, in: app) } == later)
    }

    @Test(arguments: IndexImplementation.all)
    func aMovedTagLeavesItsOldManifest(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let first = try await fixture.image(app, seed: "first")
        let second = try await fixture.image(app, seed: "second")
        try await fixture.put(first, in: app, tags: ["latest"])
        try await fixture.put(second, in: app, tags: ["latest"])
        #expect(try fixture.index.resolve(tag: tag("latest"), in: app) == second.digest)
        #expect(try fixture.index.tags(of: first.digest, in: app).isEmpty)
        #expect(try fixture.index.tags(of: second.digest, in: app) == [tag("latest")])
    }

    @Test(arguments: IndexImplementation.all)
    func aProtectedTagIsNotMovedAndThePushStoresNothing(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let first = try await fixture.image(app, seed: "kept")
        let second = try await fixture.image(app, seed: "refused")
        try await fixture.put(first, in: app, tags: ["v1"])
        await #expect(throws: RegistryError.protectedByRule("v1 is immutable")) {
            try await fixture.put(second, in: app, tags: ["v1"], protection: { $0.value == "v1" ? "v1 is immutable" : nil })
        }
        #expect(try fixture.index.resolve(tag: tag("v1"), in: app) == first.digest)
        #expect(try fixture.index.manifest(second.digest, in: app) == nil)
    }

    // MARK: Accessories and referrers

    @Test(arguments: IndexImplementation.all)
    func aManifestWithASubjectIsItsAccessoryAndItsReferrer(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let subject = try await fixture.image(app, seed: "subject")
        try await fixture.put(subject, in: app, tags: ["v1"])
        let sbom = try await fixture.image(app, seed: "sbom", subject: subject.digest, artifactType: "application/spdx+json",
                                           annotations: ["org.example.kind": "sbom"])
        try await fixture.put(sbom, in: app)
        let links = try fixture.index.accessoryLinks(of: subject.digest, in: app)
        #expect(links.map(\.accessory) == [sbom.digest])
        #expect(links.first?.viaSubjectField == true)
        #expect(try fixture.index.subjects(ofAccessory: sbom.digest, in: app) == [subject.digest])
        let referrers = try fixture.index.referrers(of: subject.digest, in: app, artifactType: nil)
        #expect(referrers == [Descriptor(mediaType: MediaType(rawValue: ociManifest), digest: sbom.digest, size: Int64(sbom.bytes.count),
                                         annotations: ["org.example.kind": "sbom"], artifactType: MediaType(rawValue: "application/spdx+json"))])
        #expect(try fixture.index.referrers(of: subject.digest, in: app, artifactType: MediaType(rawValue: "text/plain")).isEmpty)
    }

    @Test(arguments: IndexImplementation.all)
    func anAccessoryPushedBeforeItsSubjectIsLinkedToIt(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let subject = try await fixture.image(app, seed: "late subject")
        let signature = try await fixture.image(app, seed: "early signature", subject: subject.digest,
                                                artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json")
        try await fixture.put(signature, in: app)
        try await fixture.put(subject, in: app, tags: ["v1"])
        #expect(try fixture.index.accessoryLinks(of: subject.digest, in: app).map(\.accessory) == [signature.digest])
    }

    @Test(arguments: IndexImplementation.all)
    func aCosignTagSchemeTagLinksItsManifestAndMovingItUnlinks(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let subject = try await fixture.image(app, seed: "signed")
        try await fixture.put(subject, in: app, tags: ["v1"])
        let schemeTag = "sha256-\(subject.digest.encoded).sig"
        let first = try await fixture.image(app, seed: "signature one")
        let second = try await fixture.image(app, seed: "signature two")
        try await fixture.put(first, in: app, tags: [schemeTag])
        let link = try #require(try fixture.index.accessoryLinks(of: subject.digest, in: app).first)
        #expect(link.accessory == first.digest)
        #expect(link.viaTagScheme)
        #expect(link.type == .cosignSignature)
        try await fixture.put(second, in: app, tags: [schemeTag])
        #expect(try fixture.index.accessoryLinks(of: subject.digest, in: app).map(\.accessory) == [second.digest])
        #expect(try fixture.index.subjects(ofAccessory: first.digest, in: app).isEmpty)
    }

    // MARK: Deletion

    @Test(arguments: IndexImplementation.all)
    func deletingASubjectTakesItsAccessoriesRecursively(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let subject = try await fixture.image(app, seed: "doomed")
        try await fixture.put(subject, in: app, tags: ["v1"])
        let signature = try await fixture.image(app, seed: "its signature", subject: subject.digest)
        try await fixture.put(signature, in: app)
        let countersignature = try await fixture.image(app, seed: "signature of the signature", subject: signature.digest)
        try await fixture.put(countersignature, in: app)
        let removed = try await fixture.index.deleteManifest(subject.digest, in: app, protection: nil)
        #expect(Set(removed) == [subject.digest, signature.digest, countersignature.digest])
        for digest in removed { #expect(try fixture.index.manifest(digest, in: app) == nil) }
        #expect(try fixture.index.resolve(tag: tag("v1"), in: app) == nil)
        #expect(try fixture.index.referrers(of: subject.digest, in: app, artifactType: nil).isEmpty)
        #expect(try fixture.index.manifestBytes(subject.digest) == nil)
    }

    @Test(arguments: IndexImplementation.all)
    func aDeleteThatWouldBreakAProtectedTagRemovesNothing(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let subject = try await fixture.image(app, seed: "guarded")
        try await fixture.put(subject, in: app, tags: ["release"])
        let signature = try await fixture.image(app, seed: "guarded signature", subject: subject.digest)
        try await fixture.put(signature, in: app)
        // The signature hangs from a protected subject: it may not go on its own either.
        await #expect(throws: RegistryError.self) {
            try await fixture.index.deleteManifest(signature.digest, in: app, protection: { $0.value == "release" ? "release is immutable" : nil })
        }
        #expect(try fixture.index.manifest(signature.digest, in: app) != nil)
        #expect(try fixture.index.accessoryLinks(of: subject.digest, in: app).count == 1)
    }

    @Test(arguments: IndexImplementation.all)
    func aDocumentSharedByTwoRepositoriesStaysUntilBothLetGo(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let other = repo("contract/other")
        let image = try await fixture.image(app, seed: "shared")
        _ = try await fixture.image(other, seed: "shared")
        try await fixture.put(image, in: app)
        try await fixture.put(image, in: other)
        _ = try await fixture.index.deleteManifest(image.digest, in: app, protection: nil)
        #expect(try fixture.index.manifestBytes(image.digest) == image.bytes)
        _ = try await fixture.index.deleteManifest(image.digest, in: other, protection: nil)
        #expect(try fixture.index.manifestBytes(image.digest) == nil)
    }

    // MARK: Garbage collection and retention

    @Test(arguments: IndexImplementation.all)
    func aCollectionKeepsAManifestTaggedSinceTheMark(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let image = try await fixture.image(app, seed: "revived")
        try await fixture.put(image, in: app)
        // Marked dead untagged, then tagged before the sweep.
        try await fixture.put(image, in: app, tags: ["v1"])
        let removed = try await fixture.index.collectManifests([(app, image.digest)], pushedBefore: fixture.now.addingTimeInterval(60))
        #expect(removed.isEmpty)
        #expect(try fixture.index.manifest(image.digest, in: app) != nil)
    }

    @Test(arguments: IndexImplementation.all)
    func aCollectionRemovesWhatIsStillDeadAndKeepsWhatALiveSubjectHolds(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let subject = try await fixture.image(app, seed: "live subject")
        try await fixture.put(subject, in: app, tags: ["v1"])
        let signature = try await fixture.image(app, seed: "held signature", subject: subject.digest)
        try await fixture.put(signature, in: app)
        let orphan = try await fixture.image(app, seed: "orphan")
        try await fixture.put(orphan, in: app)
        let cutoff = fixture.now.addingTimeInterval(60)
        let removed = try await fixture.index.collectManifests([(app, signature.digest), (app, orphan.digest)], pushedBefore: cutoff)
        #expect(removed.map(\.1) == [orphan.digest])
        #expect(try fixture.index.manifest(signature.digest, in: app) != nil)
    }

    @Test(arguments: IndexImplementation.all)
    func aCollectionSparesBlobLinksTouchedAfterItsCutoff(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let old = try await fixture.linkedBlob(app, seed: "old link", at: fixture.now.addingTimeInterval(-7200))
        let young = try await fixture.linkedBlob(app, seed: "young link", at: fixture.now)
        let removed = try await fixture.index.collectBlobLinks([(app, old), (app, young)], linkedBefore: fixture.now.addingTimeInterval(-3600))
        #expect(removed.map(\.1) == [old])
        #expect(try fixture.index.blobLink(old, in: app) == nil)
        #expect(try fixture.index.blobLink(young, in: app) != nil)
    }

    @Test(arguments: IndexImplementation.all)
    func retentionKeepsATagPushedAgainSinceTheListing(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let first = try await fixture.image(app, seed: "listed")
        let second = try await fixture.image(app, seed: "pushed since")
        try await fixture.put(first, in: app, tags: ["nightly"])
        let listed = try fixture.index.tagRecords(in: app)
        try await fixture.put(second, in: app, tags: ["nightly"], at: fixture.now.addingTimeInterval(1))
        let outcome = try await fixture.index.retireTags(listed, in: app, dryRun: false, protection: nil)
        #expect(outcome.tags.isEmpty)
        #expect(try fixture.index.resolve(tag: tag("nightly"), in: app) == second.digest)
    }

    // MARK: Blob links and uploads

    @Test(arguments: IndexImplementation.all)
    func aMountLinksOnlyWhatTheSourceCanRead(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let source = repo("contract/source")
        let digest = try await fixture.linkedBlob(source, seed: "mounted", size: 42)
        #expect(try await fixture.index.mountBlob(digest, from: source, into: app, now: fixture.now))
        #expect(try fixture.index.blobLink(digest, in: app)?.size == 42)
        #expect(try await !fixture.index.mountBlob(sha256("absent"), from: source, into: app, now: fixture.now))
        #expect(try fixture.index.blobLink(sha256("absent"), in: app) == nil)
    }

    @Test(arguments: IndexImplementation.all)
    func anUploadAdvancesOnlyFromItsOffsetAndFinishesAsALink(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let id = UploadID.random()
        _ = try await fixture.index.createUpload(id, repository: app, owner: "alice", now: fixture.now)
        _ = try await fixture.index.advanceUpload(id, from: 0, to: 100, now: fixture.now)
        await #expect(throws: RegistryError.uploadOffsetMismatch(expected: 100, got: 0)) {
            try await fixture.index.advanceUpload(id, from: 0, to: 200, now: fixture.now)
        }
        #expect(try fixture.index.upload(id)?.offset == 100)
        #expect(try fixture.index.upload(id)?.owner == "alice")
        let digest = sha256("uploaded")
        try await fixture.index.finishUpload(id, blob: digest, size: 100, now: fixture.now)
        #expect(try fixture.index.upload(id) == nil)
        #expect(try fixture.index.blobLink(digest, in: app)?.size == 100)
        #expect(try fixture.index.allUploads().isEmpty)
    }

    // MARK: Walks and derived entries

    @Test(arguments: IndexImplementation.all)
    func theTaggedManifestWalkNamesEachManifestOnceAndSkipsIgnoredTags(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let tagged = try await fixture.image(app, seed: "twice tagged")
        try await fixture.put(tagged, in: app, tags: ["a", "b"])
        let signature = try await fixture.image(app, seed: "scheme tagged")
        try await fixture.put(signature, in: app, tags: ["sha256-\(tagged.digest.encoded).sig"])
        var seen: [Digest] = []
        try fixture.index.forEachTaggedManifest(ignoringTags: { AccessoryClassifier.tagSchemeSubject($0) != nil }) { _, digest in
            seen.append(digest)
        }
        #expect(seen == [tagged.digest])
    }

    @Test(arguments: IndexImplementation.all)
    func aConsistentIndexNeedsNoRepair(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let subject = try await fixture.image(app, seed: "consistent")
        try await fixture.put(subject, in: app, tags: ["v1"])
        try await fixture.put(try await fixture.image(app, seed: "consistent referrer", subject: subject.digest), in: app)
        #expect(try fixture.index.staleTagIndexEntries().isEmpty)
        #expect(try fixture.index.unindexedTags().isEmpty)
        #expect(try await fixture.index.repairDerivedEntries().isEmpty)
        #expect(try await fixture.index.removeDangling(blobExists: { _ in true }).isEmpty)
    }

    @Test(arguments: IndexImplementation.all)
    func aCachedSignatureCheckGoesWithTheSignature(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let subject = try await fixture.image(app, seed: "checked")
        try await fixture.put(subject, in: app, tags: ["v1"])
        let signature = try await fixture.image(app, seed: "checked signature", subject: subject.digest)
        try await fixture.put(signature, in: app)
        let key = Array(repeating: UInt8(7), count: 32)
        try await fixture.index.recordSignatureCheck(signature.digest, subject: subject.digest, key: key, in: app, verified: true)
        #expect(try fixture.index.signatureCheck(signature.digest, subject: subject.digest, key: key, in: app) == true)
        _ = try await fixture.index.deleteManifest(signature.digest, in: app, protection: nil)
        #expect(try fixture.index.signatureCheck(signature.digest, subject: subject.digest, key: key, in: app) == nil)
    }

    // MARK: Records of access control, audit and settings

    @Test(arguments: IndexImplementation.all)
    func accessRecordsAreListedByKindAndPrefixAndChangedTogether(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        let existed = try await fixture.index.setAccessRecords([("member", "team\u{0}alice", [1]), ("member", "team\u{0}bob", [2]),
                                                                 ("member", "other\u{0}alice", [3]), ("user", "alice", [4])])
        #expect(existed == [false, false, false, false])
        #expect(try fixture.index.accessRecords("member", prefix: "team\u{0}").map(\.key) == ["team\u{0}alice", "team\u{0}bob"])
        let removed = try await fixture.index.setAccessRecords([("user", "alice", nil), ("member", "team\u{0}alice", nil)])
        #expect(removed == [true, true])
        #expect(try fixture.index.accessRecord("user", "alice") == nil)
        #expect(try fixture.index.accessRecord("member", "other\u{0}alice") == [3])
    }

    @Test(arguments: IndexImplementation.all)
    func theAuditLogReturnsTheNewestEventsOldestFirst(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        for event in 0..<5 { try await fixture.index.appendAudit([UInt8(event)], at: fixture.now) }
        #expect(try fixture.index.auditEvents(limit: 3) == [[2], [3], [4]])
    }

    @Test(arguments: IndexImplementation.all)
    func aSettingIsStoredAsGiven(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        #expect(try fixture.index.setting("policies") == nil)
        try await fixture.index.setSetting("policies", Array("{}".utf8))
        #expect(try fixture.index.setting("policies") == Array("{}".utf8))
    }

    // MARK: Replication records

    @Test(arguments: IndexImplementation.all)
    func replicationRecordsAreScannedByKindAndPrefixInEitherOrder(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        try await fixture.index.write { txn in
            try txn.putReplicationRecord(.execution, [0, 1], [10])
            try txn.putReplicationRecord(.execution, [0, 2], [20])
            try txn.putReplicationRecord(.task, [0, 1, 0], [11])
            try txn.putReplicationRecord(.task, [0, 1, 1], [12])
            try txn.putReplicationRecord(.task, [0, 2, 0], [21])
        }
        #expect(try fixture.index.replicationRecords(.execution, prefix: [], newestFirst: true, limit: 1).map(\.value) == [[20]])
        #expect(try fixture.index.replicationRecords(.task, prefix: [0, 1], newestFirst: false, limit: 10).map(\.value) == [[11], [12]])
        #expect(try fixture.index.replicationRecords(.task, prefix: [0, 1], newestFirst: true, limit: 10).map(\.value) == [[12], [11]])
        #expect(try fixture.index.replicationRecord(.task, [0, 2, 0]) == [21])
        #expect(try fixture.index.replicationRecords(.task, after: [0, 1, 0], limit: 10).map(\.value) == [[12], [21]])
        #expect(try fixture.index.replicationRecords(.task, after: [], limit: 1).map(\.value) == [[11]])
        #expect(try fixture.index.replicationRecord(.ruleState, [0, 2, 0]) == nil)
    }

    @Test(arguments: IndexImplementation.all)
    func aRemovedReplicationRecordIsGoneAfterReopening(_ implementation: IndexImplementation) async throws {
        let fixture = try IndexFixture(implementation)
        try await fixture.index.write { txn in
            try txn.putReplicationRecord(.ruleState, Array("nightly".utf8), [1])
            try txn.putReplicationRecord(.ruleState, Array("hourly".utf8), [2])
        }
        let removed = try await fixture.index.write { txn in try txn.removeReplicationRecord(.ruleState, Array("nightly".utf8)) }
        #expect(removed)
        let reopened = try fixture.reopened()
        defer { reopened.close() }
        #expect(try reopened.replicationRecord(.ruleState, Array("nightly".utf8)) == nil)
        #expect(try reopened.replicationRecord(.ruleState, Array("hourly".utf8)) == [2])
    }
}
