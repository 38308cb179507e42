import BerthModel
import Foundation
import Testing
@testable import BerthEngine

@Suite struct FsckTests {
    /// A root with one tagged image, closed; returns the image.
    private func populatedRoot(_ root: TemporaryRoot) async throws -> PushedImage {
        let registry = try await root.open()
        let image = try await makeImage(registry, repo("app"), seed: 70)
        _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
        await registry.close()
        return image
    }

    private func check(_ root: TemporaryRoot, repair: Bool = false) async throws -> Fsck.Report {
        let registry = try await root.open(readOnly: !repair)
        let report = try await Fsck(registry: registry).run(repair: repair)
        await registry.close()
        return report
    }

    /// Changes the index of a closed root behind the engine's back, as damage would; `change`
    /// gets the id of repository `app`.
    private func damageIndex(_ root: TemporaryRoot,
                             _ change: @escaping @Sendable (LMDBIndex, LMDBTransaction, UInt32) throws -> Void) async throws {
        let index = try LMDBIndex(directory: root.layout.index, mapSize: 1 << 30)
        try await index.lmdbWrite { txn in
            let app = try #require(try index.repositoryID(repo("app"), txn))
            try change(index, txn, app)
        }
        index.close()
    }

    private func flipByte(_ path: String, at offset: UInt64) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        handle.seek(toFileOffset: offset)
        let byte = handle.readData(ofLength: 1)
        handle.seek(toFileOffset: offset)
        handle.write(Data([~(byte.first ?? 0)]))
        handle.closeFile()
    }

    @Test func aManifestBlobItsRepositoryDoesNotLinkIsFoundAndRelinked() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        let registry = try await root.open()
        // Unlinked by hand (a client's DELETE of a layer): the manifest still names it.
        try await registry.unlinkBlob(image.layers[0], from: repo("app"))
        await registry.close()
        let report = try await check(root)
        #expect(report.problems.map(\.kind) == ["manifest-blob-unlinked"])
        let repaired = try await check(root, repair: true)
        #expect(repaired.repairs.contains { $0.hasPrefix("linked \(image.layers[0])") })
        #expect(try await check(root).isClean)
    }

    @Test func aBlobFileNothingNamesIsAHarmlessLeftoverThatRepairLeavesToGC() async throws {
        let root = TemporaryRoot()
        _ = try await populatedRoot(root)
        let registry = try await root.open()
        // Pushed, then unlinked with no manifest naming it: a push whose manifest never came.
        let stray = try await pushBlob(registry, repo("app"), Array("left behind".utf8))
        try await registry.unlinkBlob(stray, from: repo("app"))
        await registry.close()
        let report = try await check(root)
        #expect(report.problems.map(\.kind) == ["blob-orphan"])
        #expect(report.problems.first?.detail.hasPrefix(stray.description) == true)
        #expect(report.isClean)
        let repaired = try await check(root, repair: true)
        #expect(repaired.repairs.isEmpty)
        // Beside a live server it may be a blob about to be linked: only GC, after its grace, removes it.
        #expect(FileManager.default.fileExists(atPath: root.layout.blobFile(stray)))
    }

    @Test func aManifestMissingFromThePushOrderIsDamageThatRepairWritesBack() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        try await damageIndex(root) { index, txn, _ in
            var order: [[UInt8]] = []
            try txn.scan(index.db.manifestsByPush, from: [], prefix: []) { key, _ in order.append(Array(key)); return true }
            for key in order { _ = try txn.delete(index.db.manifestsByPush, key) }
        }
        let report = try await check(root)
        #expect(report.problems.map(\.kind) == ["push-order-missing"])
        #expect(!report.isClean)
        let repaired = try await check(root, repair: true)
        #expect(repaired.repairs == ["wrote the missing push-time entry app@\(image.digest)"])
        #expect(try await check(root).problems.isEmpty)
    }

    @Test func aDocumentNoManifestHoldsIsAHarmlessLeftoverThatRepairRemoves() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        // The record and its tag gone, the document left behind (damage of that one kind).
        try await damageIndex(root) { index, txn, app in
            _ = try txn.delete(index.db.manifests, LMDBIndex.repoDigestKey(app, image.digest))
            _ = try txn.delete(index.db.manifestRepositories, LMDBIndex.manifestRepositoryKey(image.digest, app))
            _ = try txn.delete(index.db.tags, LMDBIndex.tagKey(app, "v1"))
            _ = try txn.delete(index.db.manifestTags, LMDBIndex.manifestTagKey(app, image.digest, tag("v1")))
            var order: [[UInt8]] = []
            try txn.scan(index.db.manifestsByPush, from: [], prefix: []) { key, _ in order.append(Array(key)); return true }
            for key in order { _ = try txn.delete(index.db.manifestsByPush, key) }
        }
        let report = try await check(root)
        #expect(report.problems.map(\.kind) == ["document-orphan"])
        #expect(report.isClean)
        let repaired = try await check(root, repair: true)
        #expect(repaired.repairs == ["removed manifest document \(image.digest) (no manifest holds it)"])
        #expect(try await check(root).problems.isEmpty)
    }

    @Test func aDocumentAManifestHoldsIsNoOrphanEvenWithoutItsPushTime() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        try await damageIndex(root) { index, txn, app in
            _ = try txn.delete(index.db.manifestRepositories, LMDBIndex.manifestRepositoryKey(image.digest, app))
        }
        let report = try await check(root)
        #expect(!report.problems.contains { $0.kind == "document-orphan" })
        _ = try await check(root, repair: true)
        let registry = try await root.open()
        #expect(try registry.manifest(.tag(tag("v1")), in: repo("app")).bytes == image.bytes)
        await registry.close()
    }

    @Test func cleanRootHasNoProblems() async throws {
        let root = TemporaryRoot()
        _ = try await populatedRoot(root)
        let report = try await check(root)
        #expect(report.isClean, "\(report.problems)")
        #expect(report.blobsChecked == 2)
        #expect(report.manifestsChecked == 1)
    }

    @Test func flippedByteInABlobIsDetected() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        let layer = try #require(image.layers.first)
        try flipByte(root.layout.blobFile(layer), at: 17)
        let report = try await check(root)
        #expect(report.problems.contains { $0.kind == "blob-corrupt" && $0.detail.hasPrefix(layer.description) })
        #expect(report.problems.contains { $0.kind == "manifest-blob-missing" })
    }

    @Test func danglingTagIsDetected() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        // Drop the manifest record, keep its tag.
        try await damageIndex(root) { index, txn, app in
            _ = try txn.delete(index.db.manifests, LMDBIndex.repoDigestKey(app, image.digest))
        }
        let report = try await check(root)
        #expect(report.problems.contains { $0.kind == "tag-dangling" && $0.detail.contains("app:v1") })
    }

    @Test func aManifestTagEntryNoTagBacksIsReportedAndRepairedSoGCNoLongerCountsItsManifestAsTagged() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        // Drop the tag, keep its manifest → tag entry.
        try await damageIndex(root) { index, txn, app in
            _ = try txn.delete(index.db.tags, LMDBIndex.tagKey(app, "v1"))
        }
        let report = try await check(root)
        #expect(report.problems.contains { $0.kind == "tag-index-stale" && $0.detail.contains("app:v1") && $0.detail.contains(image.digest.description) })

        let repaired = try await check(root, repair: true)
        #expect(repaired.repairs.contains { $0.contains("tag index entry app:v1") })
        #expect(try await check(root).isClean)
        let registry = try await root.open()
        var tagged: [Digest] = []
        try registry.index.forEachTaggedManifest(ignoringTags: { _ in false }) { _, digest in tagged.append(digest) }
        await registry.close()
        #expect(tagged.isEmpty)
    }

    @Test func aTagTheManifestTagIndexLacksIsReportedAndRepairedSoGCKeepsItsManifest() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        // Drop the manifest → tag entry, keep the tag.
        try await damageIndex(root) { index, txn, app in
            _ = try txn.delete(index.db.manifestTags, LMDBIndex.manifestTagKey(app, image.digest, tag("v1")))
        }
        let report = try await check(root)
        #expect(report.problems.contains { $0.kind == "tag-index-missing" && $0.detail.contains("app:v1") })

        let repaired = try await check(root, repair: true)
        #expect(repaired.repairs.contains { $0.hasPrefix("wrote the missing tag index entry app:v1") })
        #expect(try await check(root).isClean)
        let registry = try await root.open()
        var tagged: [Digest] = []
        try registry.index.forEachTaggedManifest(ignoringTags: { _ in false }) { _, digest in tagged.append(digest) }
        await registry.close()
        #expect(tagged == [image.digest])
    }

    @Test func aBlobQuarantinedAgainKeepsTheEarlierCopy() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        let layer = try #require(image.layers.first)
        let original = try #require(FileManager.default.contents(atPath: root.layout.blobFile(layer)))
        for offset: UInt64 in [3, 5] {
            try flipByte(root.layout.blobFile(layer), at: offset)
            _ = try await check(root, repair: true)
            // The client pushes the blob again: the store heals.
            let registry = try await root.open()
            _ = try await registry.pushBlob(to: repo("app"), digest: layer, bytes: Array(original))
            await registry.close()
        }
        #expect(filesBelow(root.layout.quarantine).count == 2)
        #expect(try await check(root).isClean)
    }

    @Test func missingBlobFileIsADanglingLink() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        try FileManager.default.removeItem(atPath: root.layout.blobFile(image.config))
        let report = try await check(root)
        #expect(report.problems.contains { $0.kind == "link-dangling" && $0.detail.contains(image.config.description) })
    }

    @Test func repairQuarantinesCorruptBlobsAndLeavesReferencedDataAlone() async throws {
        let root = TemporaryRoot()
        let image = try await populatedRoot(root)
        let layer = try #require(image.layers.first)
        try flipByte(root.layout.blobFile(layer), at: 3)
        FileManager.default.createFile(atPath: "\(root.layout.uploads)/\(UploadID.random())", contents: Data([9]))
        let repaired = try await check(root, repair: true)
        #expect(!repaired.isClean)
        #expect(repaired.repairs.contains { $0.hasPrefix("moved corrupt blob \(layer)") })
        #expect(filesBelow(root.layout.uploads).isEmpty)
        // The config (intact, referenced) and the manifest are still there.
        #expect(FileManager.default.fileExists(atPath: root.layout.blobFile(image.config)))
        let registry = try await root.open()
        #expect(try registry.manifest(.tag(tag("v1")), in: repo("app")).bytes == image.bytes)
        await registry.close()
        // What is left to report is the layer the manifest needs, until it is pushed again.
        let after = try await check(root)
        #expect(after.problems.map(\.kind) == ["manifest-blob-missing"])
    }
}
