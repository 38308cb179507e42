import BerthModel
import Foundation

/// Mark-and-sweep garbage collection, online: safe while pushes and pulls run.
///
/// Mark (from one consistent snapshot of the index): the roots are the manifests carrying a
/// tag other than a cosign tag-scheme tag (`sha256-<hex>.sig` never makes a root: an accessory
/// follows its subject), and every untagged manifest unless the untagged rule is on and it is
/// older than its grace. From the roots, the children of live indexes and the accessories of
/// live manifests (recursively) are live. So GC never removes an accessory on its own: it goes
/// only when its subject goes.
///
/// Sweep, each step re-checking inside its own index transaction (invariant 4: index first,
/// files later):
/// 1. dead manifests are removed (one re-checked: tagged since, or pushed since, it stays);
/// 2. links of blobs no live manifest of their repository names, older than the blob grace,
///    are removed (a manifest push touches the links it names, so a blob it needs is young);
/// 3. under the sweep gate (no push can be between committing a blob file and linking it),
///    blob files no link and no manifest names, older than the blob grace, are deleted.
public struct GarbageCollector<Store: BlobStore>: Sendable {
    /// What to collect.
    public typealias Options = GarbageCollectionOptions
    /// What a run removed (or, dry, would remove).
    public typealias Report = GarbageCollectionReport

    private let registry: Registry<Store>

    /// A collector for the store `registry` is open on.
    public init(registry: Registry<Store>) { self.registry = registry }

    /// Runs one collection. Only one runs at a time per engine; a second call waits for none
    /// and fails with `.gcRunning`.
    public func run(_ options: Options, now: Date? = nil, progress: @Sendable (String) -> Void = { _ in }) async throws(RegistryError) -> Report {
        let started = registry.collecting.withLock { running in
            defer { running = true }
            return !running
        }
        guard started else { throw .collectionRunning }
        defer { registry.collecting.withLock { $0 = false } }
        let began = ContinuousClock.now
        let report = try await collect(options, now: now ?? registry.now(), progress: progress)
        registry.metrics.record(report, duration: ContinuousClock.now - began)
        if !options.dryRun { await registry.recordCollection(at: registry.now()) }
        return report
    }

    /// Throws `.cancelled` if the task was cancelled: called between the steps, each of which
    /// leaves the store consistent, so a shutdown does not wait for a whole collection.
    private func checkCancellation() throws(RegistryError) {
        if Task.isCancelled { throw .cancelled }
    }

    private func collect(_ options: Options, now: Date, progress: @Sendable (String) -> Void) async throws(RegistryError) -> Report {
        var report = Report(dryRun: options.dryRun)
        let index = registry.index
        let untaggedCutoff = now.addingTimeInterval(-options.untaggedGrace.seconds)
        let blobCutoff = now.addingTimeInterval(-options.blobGrace.seconds)

        // Mark.
        var records: [CollectedKey: ManifestRecord] = [:]
        var rooted: Set<CollectedKey> = []
        var accessories: [CollectedKey: [Digest]] = [:]
        try RegistryError.wrapping {
            try index.forEachManifest { records[Self.key($0.repository, $0.digest)] = $0 }
            try index.forEachTaggedManifest(ignoringTags: { AccessoryClassifier.tagSchemeSubject($0) != nil }) { repository, digest in
                rooted.insert(Self.key(repository, digest))
            }
            try index.forEachAccessoryLink { repository, link in
                accessories[Self.key(repository, link.subject), default: []].append(link.accessory)
            }
        }
        progress("marking \(records.count) manifests")
        var live: Set<CollectedKey> = []
        var pending: [(RepositoryName, Digest)] = records.values.compactMap { record in
            let key = Self.key(record.repository, record.digest)
            let isRoot = rooted.contains(key) || !options.collectUntagged || record.pushedAt >= untaggedCutoff
            return isRoot ? (record.repository, record.digest) : nil
        }
        while let (repository, digest) = pending.popLast() {
            let key = Self.key(repository, digest)
            guard live.insert(key).inserted else { continue }
            if let record = records[key] { pending += record.children.map { (repository, $0) } }
            pending += (accessories[key] ?? []).map { (repository, $0) }
        }

        try checkCancellation()
        // Sweep 1: manifests.
        let dead = records.values.filter { !live.contains(Self.key($0.repository, $0.digest)) }
            .sorted { ($0.repository.value, $0.digest.description) < ($1.repository.value, $1.digest.description) }
        var removedManifests: [(RepositoryName, Digest)] = dead.map { ($0.repository, $0.digest) }
        if !options.dryRun && !dead.isEmpty {
            removedManifests = try await RegistryError.wrapping { try await index.collectManifests(removedManifests, pushedBefore: untaggedCutoff) }
        }
        let removedKeys = Set(removedManifests.map { Self.key($0.0, $0.1) })
        for (repository, digest) in removedManifests {
            report.manifests.append("\(repository)@\(digest)")
            report.manifestBytes += records[Self.key(repository, digest)]?.size ?? 0
        }
        progress("manifests: \(report.manifests.count) \(options.dryRun ? "would go" : "removed")")

        try checkCancellation()
        // Sweep 2: blob links no remaining manifest of their repository names.
        var referenced: [String: Set<Digest>] = [:]   // repository → blobs named by its remaining manifests
        var referencedAnywhere: Set<Digest> = []
        for record in records.values where !removedKeys.contains(Self.key(record.repository, record.digest)) {
            referenced[record.repository.value, default: []].formUnion(record.blobs)
            referencedAnywhere.formUnion(record.blobs)
        }
        var staleLinks: [(RepositoryName, Digest)] = []
        var linked: Set<Digest> = []
        try RegistryError.wrapping {
            try index.forEachBlobLink { repository, link in
                if referenced[repository.value]?.contains(link.digest) != true && link.linkedAt < blobCutoff {
                    staleLinks.append((repository, link.digest))
                } else {
                    linked.insert(link.digest)
                }
            }
        }
        var removedLinks = staleLinks
        if !options.dryRun && !staleLinks.isEmpty {
            removedLinks = try await RegistryError.wrapping { try await index.collectBlobLinks(staleLinks, linkedBefore: blobCutoff) }
        }
        report.blobLinks = removedLinks.map { "\($0.0)@\($0.1)" }
        progress("blob links: \(report.blobLinks.count) \(options.dryRun ? "would go" : "removed")")

        try checkCancellation()
        // Sweep 3: blob files, with no push between commit and link.
        let blobs = registry.blobs
        let registry = registry
        let dryRun = options.dryRun
        let keptByDryRun = linked
        let (files, bytes) = try await registry.sweepGate.sweep { () async throws(RegistryError) -> ([String], Int64) in
            var stillLinked: Set<Digest> = keptByDryRun
            if !dryRun {
                stillLinked = []
                try RegistryError.wrapping { try index.forEachBlobLink { _, link in stillLinked.insert(link.digest) } }
            }
            let named = stillLinked.union(referencedAnywhere)
            return try await registry.io { () throws -> ([String], Int64) in
                var removed: [String] = []
                var bytes: Int64 = 0
                var candidates: [BlobInfo] = []
                try blobs.walk { info in
                    if !named.contains(info.digest) && info.committedAt < blobCutoff { candidates.append(info) }
                    return true
                }
                for info in candidates {
                    if !dryRun { try blobs.delete(info.digest) }
                    removed.append(info.digest.description)
                    bytes += info.size
                }
                return (removed, bytes)
            }
        }
        report.blobs = files
        report.blobBytes = bytes
        progress("blobs: \(files.count) (\(bytes) bytes) \(options.dryRun ? "would go" : "removed")")
        return report
    }

    private static func key(_ repository: RepositoryName, _ digest: Digest) -> CollectedKey {
        CollectedKey(repository: repository, digest: digest)
    }
}

/// A manifest as GC tracks it: a digest within one repository. Outside the collector, which is
/// generic over the store: nested in it, the type would be generic too, and every set and
/// dictionary operation of the mark would go through unspecialised witnesses.
private struct CollectedKey: Hashable {
    let repository: RepositoryName
    let digest: Digest
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
