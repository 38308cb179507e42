import BerthModel
import Foundation
import Synchronization
import Testing
@testable import BerthEngine

@Suite struct GarbageCollectionTests {
    /// Two days ahead: older than every grace, so age alone decides nothing.
    let later = Date().addingTimeInterval(2 * 86_400)

    private func put(_ registry: FileRegistry, _ image: PushedImage, _ reference: Reference) async throws {
        _ = try await registry.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: reference)
    }

    private func exists(_ registry: FileRegistry, _ digest: Digest) -> Bool {
        (try? registry.manifestRecord(.digest(digest), in: repo("app"))) != nil
    }

    private func collect(_ registry: FileRegistry, untagged: Bool, dryRun: Bool = false, at now: Date? = nil) async throws -> GarbageCollectionReport {
        try await GarbageCollector(registry: registry).run(.init(dryRun: dryRun, collectUntagged: untagged), now: now ?? later)
    }

    @Test func theRootWalkVisitsEachTaggedManifestOnceWhateverItsTagsAndSkipsTagSchemeTags() async throws {
        try await withRegistry { registry, _ in
            let many = try await makeImage(registry, repo("app"), seed: 11)
            let manyTags = (0..<300).map { tag(String(format: "build-%03d", $0)) }
            _ = try await registry.putManifest(many.bytes, contentType: ociManifest, in: repo("app"),
                                               reference: .tag(manyTags[0]), tags: manyTags)
            let elsewhere = try await makeImage(registry, repo("other"), seed: 12)
            _ = try await registry.putManifest(elsewhere.bytes, contentType: ociManifest, in: repo("other"), reference: .tag(tag("v1")))
            let schemeOnly = try await makeImage(registry, repo("app"), seed: 13)
            try await put(registry, schemeOnly, .tag(tag("sha256-\(many.digest.encoded).sig")))
            // Its scheme tag sorts before its plain one: the walk must look past the first.
            let both = try await makeImage(registry, repo("app"), seed: 14)
            try await put(registry, both, .tag(tag("sha256-\(elsewhere.digest.encoded).att")))
            try await put(registry, both, .tag(tag("zz-release")))
            let untagged = try await makeImage(registry, repo("app"), seed: 15)
            try await put(registry, untagged, .digest(untagged.digest))

            var visited: [String] = []
            try registry.index.forEachTaggedManifest(ignoringTags: { AccessoryClassifier.tagSchemeSubject($0) != nil }) {
                visited.append("\($0)@\($1)")
            }
            #expect(visited.sorted() == ["app@\(many.digest)", "app@\(both.digest)", "other@\(elsewhere.digest)"].sorted())
        }
    }

    @Test func withoutTheUntaggedRuleOnlyUnreferencedBlobsGo() async throws {
        try await withRegistry { registry, root in
            let tagged = try await makeImage(registry, repo("app"), seed: 1)
            try await put(registry, tagged, .tag(tag("v1")))
            let untagged = try await makeImage(registry, repo("app"), seed: 2)
            try await put(registry, untagged, .digest(untagged.digest))
            let orphan = try await pushBlob(registry, repo("app"), pseudoRandomBytes(5000, seed: 3))

            let report = try await collect(registry, untagged: false)
            #expect(report.manifests.isEmpty)
            #expect(report.blobs == [orphan.description])
            #expect(report.blobBytes == 5000)
            #expect(!FileManager.default.fileExists(atPath: root.layout.blobFile(orphan)))
            #expect(exists(registry, tagged.digest) && exists(registry, untagged.digest))
            for blob in [tagged.config, untagged.config] + tagged.layers + untagged.layers {
                #expect(FileManager.default.fileExists(atPath: root.layout.blobFile(blob)))
            }
            #expect(try await Fsck(registry: registry).run(repair: false).isClean)
        }
    }

    @Test func untaggedRuleKeepsAccessoriesOfLiveImagesAndRemovesThoseOfCollectedOnes() async throws {
        try await withRegistry { registry, root in
            let live = try await makeImage(registry, repo("app"), seed: 10)
            try await put(registry, live, .tag(tag("v1")))
            let liveSignature = try await makeImage(registry, repo("app"), seed: 11, layerMediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
            try await put(registry, liveSignature, .tag(tag("sha256-\(live.digest.encoded).sig")))
            let liveSBOM = try await makeImage(registry, repo("app"), seed: 12, artifactType: "application/spdx+json", subject: live.digest)
            try await put(registry, liveSBOM, .digest(liveSBOM.digest))

            let doomed = try await makeImage(registry, repo("app"), seed: 20)
            try await put(registry, doomed, .digest(doomed.digest))
            let doomedSignature = try await makeImage(registry, repo("app"), seed: 21, artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json", subject: doomed.digest)
            try await put(registry, doomedSignature, .digest(doomedSignature.digest))

            let report = try await collect(registry, untagged: true)
            #expect(Set(report.manifests) == ["app@\(doomed.digest)", "app@\(doomedSignature.digest)"])
            #expect(exists(registry, live.digest) && exists(registry, liveSignature.digest) && exists(registry, liveSBOM.digest))
            #expect(!exists(registry, doomed.digest) && !exists(registry, doomedSignature.digest))
            #expect(!FileManager.default.fileExists(atPath: root.layout.blobFile(doomed.layers[0])))
            #expect(FileManager.default.fileExists(atPath: root.layout.blobFile(live.layers[0])))
            #expect(try await Fsck(registry: registry).run(repair: false).isClean)
        }
    }

    @Test func anAccessoryTagIsNeverARoot() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 30)
            try await put(registry, image, .digest(image.digest))
            let signature = try await makeImage(registry, repo("app"), seed: 31, layerMediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
            try await put(registry, signature, .tag(tag("sha256-\(image.digest.encoded).sig")))
            let report = try await collect(registry, untagged: true)
            #expect(Set(report.manifests) == ["app@\(image.digest)", "app@\(signature.digest)"])
        }
    }

    @Test func childrenOfALiveIndexAreLive() async throws {
        try await withRegistry { registry, _ in
            let child = try await makeImage(registry, repo("app"), seed: 40)
            try await put(registry, child, .digest(child.digest))
            let indexBytes = Array(#"{"schemaVersion":2,"mediaType":"\#(ociIndex)","manifests":[\#(descriptorJSON(ociManifest, child.digest, child.bytes.count))]}"#.utf8)
            _ = try await registry.putManifest(indexBytes, contentType: ociIndex, in: repo("app"), reference: .tag(tag("multi")))
            let report = try await collect(registry, untagged: true)
            #expect(report.manifests.isEmpty)
            #expect(exists(registry, child.digest))
        }
    }

    @Test func untaggedManifestsWithinTheGraceAreKept() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 50)
            try await put(registry, image, .digest(image.digest))
            let report = try await collect(registry, untagged: true, at: Date())
            #expect(report.manifests.isEmpty)
            #expect(exists(registry, image.digest))
        }
    }

    @Test func aDryRunReportsAndChangesNothing() async throws {
        try await withRegistry { registry, root in
            let image = try await makeImage(registry, repo("app"), seed: 60)
            try await put(registry, image, .digest(image.digest))
            let report = try await collect(registry, untagged: true, dryRun: true)
            #expect(report.dryRun)
            #expect(report.manifests == ["app@\(image.digest)"])
            #expect(report.blobs.count == 2)
            #expect(report.blobBytes > 0)
            #expect(exists(registry, image.digest))
            #expect(FileManager.default.fileExists(atPath: root.layout.blobFile(image.config)))
        }
    }

    @Test func aBlobPushedButNotYetReferencedIsKeptWithinTheGrace() async throws {
        try await withRegistry { registry, root in
            let digest = try await pushBlob(registry, repo("app"), pseudoRandomBytes(100, seed: 70))
            let report = try await collect(registry, untagged: true, at: Date())
            #expect(report.blobs.isEmpty)
            #expect(FileManager.default.fileExists(atPath: root.layout.blobFile(digest)))
        }
    }

    @Test func theSweepWaitsForAPushBetweenCommitAndLink() async throws {
        let gate = SweepGate()
        let events = EventLog()
        let (pushEntered, enteredSignal) = AsyncStream<Void>.makeStream()
        let (releasePush, releaseSignal) = AsyncStream<Void>.makeStream()
        async let push: Void = gate.push {
            events.append("push started")
            enteredSignal.yield()
            for await _ in releasePush { break }
            events.append("push linked")
        }
        for await _ in pushEntered { break }
        async let sweep: Void = gate.sweep { events.append("sweep") }
        try await Task.sleep(for: .milliseconds(50))
        #expect(events.all == ["push started"])
        releaseSignal.yield()
        _ = await (push, sweep)
        #expect(events.all == ["push started", "push linked", "sweep"])
    }

    @Test func aManifestPushedAgainDuringACollectionIsNotSwept() async throws {
        try await withRegistry { registry, _ in
            let image = try await makeImage(registry, repo("app"), seed: 80)
            let manifest = try Manifest(parsing: image.bytes, contentType: ociManifest)
            let now = Date()
            func push(at date: Date) async throws {
                _ = try await registry.index.putManifest(ManifestWriteRequest(repository: repo("app"), digest: image.digest, bytes: image.bytes,
                                                                              manifest: manifest, tags: [], now: date))
            }
            try await push(at: now.addingTimeInterval(-10 * 86_400))
            // The collector marked it dead (old, untagged); then the client pushes it again.
            try await push(at: now)
            let removed = try await registry.index.collectManifests([(repo("app"), image.digest)], pushedBefore: now.addingTimeInterval(-86_400))
            #expect(removed.isEmpty)
            #expect(exists(registry, image.digest))
            // Without the new push it would have gone.
            let later = try await registry.index.collectManifests([(repo("app"), image.digest)], pushedBefore: now.addingTimeInterval(60))
            #expect(later.count == 1)
        }
    }

    @Test func aCollectionRecordsWhenItRanAndADryRunDoesNot() async throws {
        try await withRegistry { registry, _ in
            #expect(registry.lastCollection() == nil)
            _ = try await collect(registry, untagged: false, dryRun: true)
            #expect(registry.lastCollection() == nil)
            _ = try await collect(registry, untagged: false)
            // When it finished, by the wall clock (not the `now` it judged ages by).
            #expect(registry.lastCollection().map { abs($0.timeIntervalSinceNow) < 60 } == true)
        }
    }

    @Test func aCancelledCollectionStopsBeforeItsFirstSweep() async throws {
        try await withRegistry { registry, _ in
            let untagged = try await makeImage(registry, repo("app"), seed: 60)
            try await put(registry, untagged, .digest(untagged.digest))
            let later = later
            let collection = Task {
                // Cancelled before it starts (a shutdown arriving during the mark).
                while !Task.isCancelled { await Task.yield() }
                return try await GarbageCollector(registry: registry).run(.init(collectUntagged: true), now: later)
            }
            collection.cancel()
            await #expect(throws: RegistryError.cancelled) { try await collection.value }
            #expect(exists(registry, untagged.digest))
            #expect(registry.lastCollection() == nil)
            // The next collection runs: nothing was left locked.
            #expect(try await collect(registry, untagged: true).manifests == ["app@\(untagged.digest)"])
        }
    }

    @Test func onlyOneCollectionRunsAtATime() async throws {
        try await withRegistry { registry, _ in
            registry.collecting.withLock { $0 = true }
            await expectError(.collectionRunning) { try await GarbageCollector(registry: registry).run(.init()) }
            registry.collecting.withLock { $0 = false }
        }
    }
}

/// Events recorded from several tasks, in order.
final class EventLog: Sendable {
    private let events = Mutex<[String]>([])
    func append(_ event: String) { events.withLock { $0.append(event) } }
    var all: [String] { events.withLock { $0 } }
}

@Suite struct GarbageCollectionRaceTests {
    @Test func aChildNamedByAnIndexPushedAfterTheMarkIsNotSwept() async throws {
        try await withRegistry { registry, _ in
            let child = try await makeImage(registry, repo("app"), seed: 90)
            let manifest = try Manifest(parsing: child.bytes, contentType: ociManifest)
            _ = try await registry.index.putManifest(ManifestWriteRequest(repository: repo("app"), digest: child.digest, bytes: child.bytes,
                                                                          manifest: manifest, tags: [], now: Date().addingTimeInterval(-10 * 86_400)))
            // The collector marked the old untagged child dead; then an index naming it arrives.
            let indexBytes = Array(#"{"schemaVersion":2,"mediaType":"\#(ociIndex)","manifests":[\#(descriptorJSON(ociManifest, child.digest, child.bytes.count))]}"#.utf8)
            _ = try await registry.putManifest(indexBytes, contentType: ociIndex, in: repo("app"), reference: .tag(tag("multi")))
            let removed = try await registry.index.collectManifests([(repo("app"), child.digest)], pushedBefore: Date())
            #expect(removed.isEmpty)
        }
    }

    /// Pushes `image` untagged into `app` as if `daysAgo` days ago (old enough for the untagged rule).
    private func pushOld(_ registry: FileRegistry, _ image: PushedImage, daysAgo: Double = 10) async throws {
        let manifest = try Manifest(parsing: image.bytes, contentType: ociManifest)
        _ = try await registry.index.putManifest(ManifestWriteRequest(repository: repo("app"), digest: image.digest, bytes: image.bytes,
                                                                      manifest: manifest, tags: [], now: Date().addingTimeInterval(-daysAgo * 86_400)))
    }

    private func isPresent(_ registry: FileRegistry, _ digest: Digest) -> Bool {
        (try? registry.manifestRecord(.digest(digest), in: repo("app"))) != nil
    }

    /// An old untagged image and an old cosign signature of it (both dead under the untagged rule).
    private func oldSignedImage(_ registry: FileRegistry, seed: UInt64) async throws -> (subject: PushedImage, signature: PushedImage) {
        let subject = try await makeImage(registry, repo("app"), seed: seed)
        try await pushOld(registry, subject)
        let signature = try await makeImage(registry, repo("app"), seed: seed + 1, artifactType: "application/vnd.dev.cosign.artifact.sig.v1+json",
                                            subject: subject.digest, layerMediaType: "application/vnd.dev.cosign.simplesigning.v1+json")
        try await pushOld(registry, signature)
        return (subject, signature)
    }

    /// The sweep of manifests given both, as a collection that marked them dead a day ago would run it.
    private func sweep(_ registry: FileRegistry, _ images: PushedImage...) async throws -> [Digest] {
        try await registry.index.collectManifests(images.map { (repo("app"), $0.digest) }, pushedBefore: Date().addingTimeInterval(-86_400)).map(\.1)
    }

    @Test func aSubjectPushedAgainDuringACollectionKeepsItsSignature() async throws {
        try await withRegistry { registry, _ in
            let (subject, signature) = try await oldSignedImage(registry, seed: 92)
            // The collector marked both dead (old, untagged); then the client pushes the subject again.
            _ = try await registry.putManifest(subject.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(subject.digest))
            #expect(try await sweep(registry, subject, signature).isEmpty)
            #expect(isPresent(registry, signature.digest))
            #expect(try registry.index.accessoryLinks(of: subject.digest, in: repo("app")).map(\.accessory) == [signature.digest])
        }
    }

    @Test func aChildGoesWithItsIndexWhicheverComesFirstInTheSweep() async throws {
        for childFirst in [true, false] {
            try await withRegistry { registry, _ in
                let child = try await makeImage(registry, repo("app"), seed: 94)
                try await pushOld(registry, child)
                let indexBytes = Array(#"{"schemaVersion":2,"mediaType":"\#(ociIndex)","manifests":[\#(descriptorJSON(ociManifest, child.digest, child.bytes.count))]}"#.utf8)
                let index = try Manifest(parsing: indexBytes, contentType: ociIndex)
                _ = try await registry.index.putManifest(ManifestWriteRequest(repository: repo("app"), digest: sha256(indexBytes), bytes: indexBytes,
                                                                              manifest: index, tags: [], now: Date().addingTimeInterval(-10 * 86_400)))
                let both = [(repo("app"), child.digest), (repo("app"), sha256(indexBytes))]
                let removed = try await registry.index.collectManifests(childFirst ? both : both.reversed(), pushedBefore: Date())
                #expect(removed.count == 2)
                #expect(!isPresent(registry, child.digest))
                #expect(try await Fsck(registry: registry).run(repair: false).isClean)
            }
        }
    }

    @Test func anAccessoryThatOutlivesItsSubjectIsAttachedAgainWhenTheSubjectReturns() async throws {
        try await withRegistry { registry, _ in
            let (subject, signature) = try await oldSignedImage(registry, seed: 95)
            // Marked dead with its subject, the signature is pushed again before the sweep: it stays, the subject goes.
            _ = try await registry.putManifest(signature.bytes, contentType: ociManifest, in: repo("app"), reference: .digest(signature.digest))
            #expect(try await sweep(registry, subject, signature) == [subject.digest])
            #expect(isPresent(registry, signature.digest))
            _ = try await registry.putManifest(subject.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            #expect(try registry.index.accessoryLinks(of: subject.digest, in: repo("app")).map(\.accessory) == [signature.digest])
            #expect(try registry.referrers(of: subject.digest, in: repo("app")).map(\.digest) == [signature.digest])
        }
    }

    @Test func aBlobPushedAgainIsLinkedAnewAndOutlivesTheGrace() async throws {
        try await withRegistry { registry, _ in
            let bytes = pseudoRandomBytes(2000, seed: 97)
            let digest = sha256(bytes)
            // Linked long ago and never referenced: a collection now would unlink it...
            _ = try await registry.pushBlob(to: repo("old"), digest: digest, bytes: bytes)
            try await registry.index.linkBlob(digest, size: Int64(bytes.count), into: repo("app"), now: Date().addingTimeInterval(-2 * 86_400))
            // ...but the client pushes it again, about to push a manifest naming it.
            _ = try await registry.pushBlob(to: repo("app"), digest: digest, bytes: bytes)
            let removed = try await registry.index.collectBlobLinks([(repo("app"), digest)], linkedBefore: Date().addingTimeInterval(-3600))
            #expect(removed.isEmpty)
            #expect(try registry.index.blobLink(digest, in: repo("app")) != nil)
        }
    }

    @Test func aRepushReplacesADamagedBlobFile() async throws {
        try await withRegistry { registry, root in
            let bytes = pseudoRandomBytes(1000, seed: 91)
            let digest = try await pushBlob(registry, repo("app"), bytes)
            var damaged = bytes
            damaged[0] ^= 0xFF
            try Data(damaged).write(to: URL(fileURLWithPath: root.layout.blobFile(digest)))
            _ = try await pushBlob(registry, repo("app"), bytes)
            #expect(FileManager.default.contents(atPath: root.layout.blobFile(digest)) == Data(bytes))
        }
    }
}
