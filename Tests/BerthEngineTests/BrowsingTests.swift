import BerthModel
import Foundation
import Testing
@testable import BerthEngine

/// The browsing pages: artifacts newest push first from the push-time index, what a listing
/// shows, the Accessories table's pages, the audit log's pages, and the push-time index of a
/// version-1 store built when it opens.
@Suite struct BrowsingTests {
    /// Pushes `count` tagged images into `repository` (one millisecond apart on `clock`).
    func pushImages(_ registry: FileRegistry, _ repository: RepositoryName, count: Int, clock: SteppingClock? = nil) async throws -> [Digest] {
        var digests: [Digest] = []
        for index in 0..<count {
            clock?.step()
            let image = try await makeImage(registry, repository, seed: UInt64(index))
            let record = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repository, reference: .tag(tag("t\(index)")))
            digests.append(record.digest)
        }
        return digests
    }

    @Test func pagesListEveryManifestOnceNewestPushFirst() async throws {
        let clock = SteppingClock()
        try await withRegistry(configure: { $0.clock = clock }) { registry, _ in
            let pushed = try await pushImages(registry, repo("app"), count: 23, clock: clock)
            var seen: [Digest] = []
            var after: String?
            repeat {
                let page = try await registry.artifactPage(in: repo("app"), after: after, limit: 5)
                #expect(page.artifacts.count <= 5)
                seen += page.artifacts.map(\.record.digest)
                after = page.next
            } while after != nil
            #expect(seen == pushed.reversed())
        }
    }

    @Test func aPageEndingAtTheLastArtifactHasNoNextPage() async throws {
        try await withRegistry { registry, _ in
            _ = try await pushImages(registry, repo("app"), count: 4)
            let page = try await registry.artifactPage(in: repo("app"), limit: 4)
            #expect(page.artifacts.count == 4)
            #expect(page.next == nil)
        }
    }

    @Test func accessoriesAndUntaggedIndexChildrenAreNotArtifactsOfTheirOwn() async throws {
        try await withRegistry { registry, _ in
            let app = repo("app")
            let child = try await makeImage(registry, app, seed: 1)
            let childRecord = try await registry.putManifest(child.bytes, contentType: ociManifest, in: app, reference: .digest(child.digest))
            let index = Array(#"{"schemaVersion":2,"mediaType":"\#(ociIndex)","manifests":[\#(descriptorJSON(ociManifest, child.digest, child.bytes.count, extra: #","platform":{"architecture":"arm64","os":"linux"}"#))]}"#.utf8)
            let indexRecord = try await registry.putManifest(index, contentType: ociIndex, in: app, reference: .tag(tag("v1")))
            let signature = try await makeImage(registry, app, seed: 2, artifactType: "application/vnd.cncf.notary.signature",
                                                subject: indexRecord.digest, subjectSize: index.count, layerMediaType: "application/jose+json")
            _ = try await registry.putManifest(signature.bytes, contentType: ociManifest, in: app, reference: .digest(signature.digest))
            let page = try await registry.artifactPage(in: app, limit: 50)
            #expect(page.artifacts.map(\.record.digest) == [indexRecord.digest])
            let listed = try #require(page.artifacts.first)
            #expect(listed.kind == .index && listed.isSigned && listed.accessoryCount == 1)
            #expect(listed.children.map(\.digest) == [childRecord.digest])
            #expect(listed.children.first?.platform?.architecture == "arm64" && listed.children.first?.isSigned == true)
        }
    }

    @Test func aTagPrefixListsTheArtifactsItsTagsName() async throws {
        try await withRegistry { registry, _ in
            let pushed = try await pushImages(registry, repo("app"), count: 12)
            let page = try await registry.artifactPage(in: repo("app"), tagPrefix: "T1", limit: 50)
            #expect(Set(page.artifacts.map(\.record.digest)) == Set([pushed[1], pushed[10], pushed[11]]))
        }
    }

    @Test func aCursorThatIsNoPositionIsRefused() async throws {
        try await withRegistry { registry, _ in
            _ = try await pushImages(registry, repo("app"), count: 1)
            await #expect(throws: RegistryError.invalidPolicy("nonsense is not a page position")) {
                try await registry.artifactPage(in: repo("app"), after: "nonsense", limit: 5)
            }
            await #expect(throws: RegistryError.repositoryUnknown(repo("missing"))) {
                try await registry.artifactPage(in: repo("missing"), limit: 5)
            }
        }
    }

    @Test func aDeletedManifestLeavesThePushOrder() async throws {
        let clock = SteppingClock()
        try await withRegistry(configure: { $0.clock = clock }) { registry, _ in
            let pushed = try await pushImages(registry, repo("app"), count: 3, clock: clock)
            try await registry.deleteManifest(pushed[1], in: repo("app"))
            let page = try await registry.artifactPage(in: repo("app"), limit: 10)
            #expect(page.artifacts.map(\.record.digest) == [pushed[2], pushed[0]])
            #expect(try registry.figures(of: repo("app"))?.manifests == 2)
        }
    }

    @Test func theAccessoriesTableIsPagedWithNestedAccessoriesBelowTheirSubject() async throws {
        try await withRegistry { registry, _ in
            let app = repo("app")
            let subject = try await pushImages(registry, app, count: 1)[0]
            let size = Int(try registry.manifestRecord(.digest(subject), in: app).size)
            var accessories: [Digest] = []
            for seed in 10..<17 {
                let sbom = try await makeImage(registry, app, seed: UInt64(seed), artifactType: "application/spdx+json", subject: subject,
                                               subjectSize: size, layerMediaType: "application/spdx+json")
                accessories.append(try await registry.putManifest(sbom.bytes, contentType: ociManifest, in: app, reference: .digest(sbom.digest)).digest)
            }
            let first = accessories.sorted { $0.description < $1.description }[0]
            let firstSize = Int(try registry.manifestRecord(.digest(first), in: app).size)
            let nested = try await makeImage(registry, app, seed: 30, artifactType: "application/vnd.cncf.notary.signature", subject: first,
                                             subjectSize: firstSize, layerMediaType: "application/jose+json")
            _ = try await registry.putManifest(nested.bytes, contentType: ociManifest, in: app, reference: .digest(nested.digest))
            var rows: [AccessoryRow] = []
            var after: Digest?
            repeat {
                let page = try registry.accessoryPage(of: .digest(subject), in: app, after: after, limit: 3)
                #expect(page.rows.count <= 3)
                rows += page.rows
                after = page.next
            } while after != nil
            #expect(rows.map(\.node.digest) == accessories.sorted { $0.description < $1.description })
            #expect(rows[0].format == "SPDX" && rows[0].node.type == .sbom)
            #expect(rows[0].nested.map(\.node.digest) == [nested.digest])
            #expect(rows[0].nested.first?.format == "JWS" && rows[0].nested.first?.node.type == .notationSignature)
            let figures = try #require(try registry.figures(of: app))
            #expect(figures.manifests == 9 && figures.accessories == 8, "the subject, seven SBOMs and one signature of an SBOM")
        }
    }

    @Test func theAuditLogIsPagedNewestFirst() async throws {
        try await withRegistry { registry, _ in
            for index in 0..<7 { await registry.access.audit(AuditEvent(actor: "t", action: "probe", detail: "\(index)")) }
            var details: [String] = []
            var before: String?
            repeat {
                let page = try registry.access.auditPage(before: before, limit: 3)
                details += page.events.filter { $0.action == "probe" }.compactMap(\.detail)
                before = page.next
            } while before != nil
            #expect(details == ["6", "5", "4", "3", "2", "1", "0"])
        }
    }

    @Test func aVersionOneIndexGetsItsPushOrderWhenOpened() async throws {
        let root = TemporaryRoot()
        var registry = try await root.open()
        let pushed = try await pushImages(registry, repo("app"), count: 6)
        await registry.close()
        // Make the store what a version-1 build left: no push-time entries, schema 1.
        let index = try LMDBIndex(directory: root.layout.index, mapSize: 1 << 30)
        try await index.lmdbWrite { txn in
            var keys: [[UInt8]] = []
            try txn.scan(index.db.manifestsByPush, from: [], prefix: []) { key, _ in keys.append(Array(key)); return true }
            for key in keys { try txn.delete(index.db.manifestsByPush, key) }
            var version = BinaryWriter()
            version.u32(1)
            try txn.put(index.db.meta, Array("schema".utf8), version.bytes)
        }
        index.close()
        registry = try await root.open()
        let page = try await registry.artifactPage(in: repo("app"), limit: 50)
        #expect(Set(page.artifacts.map(\.record.digest)) == Set(pushed))
        await registry.close()
    }
}

/// A clock the tests move by hand: one millisecond each `step` (so pushes have distinct
/// times), or any interval.
final class SteppingClock: RegistryClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)
    func now() -> Date { lock.withLock { current } }
    func step() { advance(by: 0.001) }
    func advance(by seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}
