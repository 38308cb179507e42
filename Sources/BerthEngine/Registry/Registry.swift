import BerthModel
import Foundation
import NIOPosix
import Synchronization

/// The embeddable registry engine: the façade over the blob store and the metadata index that
/// enforces the registry's rules. Everything an HTTP layer, a CLI or an embedding server needs.
///
/// Guarantees:
/// - Every method is safe to call concurrently from any task.
/// - A method that returns has made its effect durable; one that throws a `RegistryError` has
///   changed nothing already stored (a partial chunk of an upload may be kept and is reported
///   by the upload's offset).
/// - Blocking file I/O runs on the engine's own thread pool, never on the caller's executor.
///
/// Generic over its blob store, so every call into the store is specialised for the store
/// it is opened with (no existential on the ingest path); `FileRegistry` is the one on a local
/// file system. Open with `FileRegistry.open(_:)` (or `open(_:store:)` for another store), and
/// `close()` when done.
public final class Registry<Store: BlobStore>: Sendable {
    /// The configuration the engine was opened with.
    public let configuration: RegistryConfiguration
    /// Where everything lives under the data root.
    public let layout: DataRootLayout
    /// The blob store (content by digest; knows nothing of repositories).
    public let blobs: Store
    /// The metadata index.
    public let index: any MetadataIndex
    let sessions: UploadSessions
    let sweepGate = SweepGate()
    let collecting = Mutex(false)
    /// Accounts, projects, authorization and the audit log (a room of its own).
    public let access: AccessControl
    /// The engine's figures (handles made once, from `configuration.metricsFactory`).
    public let metrics: EngineMetrics
    /// The rules and policies in force; the index holds the durable copy.
    let policyCache: Mutex<RegistryPolicies>
    /// Where pushes and deletes are recorded for event-based replication, in their own
    /// transactions (recording only while a rule needs it; `Replicator` switches it).
    public let outbox = ReplicationOutbox()
    /// The keys the trust server holds (timestamp and snapshot keys of each GUN).
    public let trustKeys: TrustKeyStore
    private let ioPool: NIOThreadPool
    private let lock: DataRootLock?

    private init(configuration: RegistryConfiguration, layout: DataRootLayout, store: Store, index: any MetadataIndex,
                 metrics: EngineMetrics, ioPool: NIOThreadPool, lock: DataRootLock?, policies: RegistryPolicies) {
        self.metrics = metrics
        self.policyCache = Mutex(policies)
        self.configuration = configuration
        self.sessions = UploadSessions(maximumIdleWriters: configuration.maximumIdleUploadWriters)
        self.layout = layout
        self.trustKeys = TrustKeyStore(directory: layout.trustKeys)
        self.blobs = store
        self.index = index
        self.ioPool = ioPool
        self.access = AccessControl(index: index, clock: configuration.clock, readOnly: configuration.readOnly, metrics: metrics)
        self.lock = lock
    }

    /// Opens the engine on a data root.
    ///
    /// Writable opens take the root's lock (failing at once with `.rootLocked` if another
    /// process holds it), remove temporary files a crash left behind, drop upload files no
    /// session owns and sessions whose file is gone, and expire idle sessions (invariant 6).
    /// Resumable uploads are kept. `store` makes the blob store for the root's layout.
    public static func open(_ configuration: RegistryConfiguration,
                            store makeStore: (DataRootLayout) -> Store) async throws(RegistryError) -> Registry {
        let layout = DataRootLayout(root: configuration.root)
        var lock: DataRootLock?
        if !configuration.readOnly {
            try RegistryError.wrapping { try layout.create() }
            lock = try DataRootLock(layout: layout)
        } else if (try? POSIXFile.stat(layout.index)) == nil {
            throw .storage("no data root at \(layout.root)")
        }
        let metrics = EngineMetrics(factory: configuration.metricsFactory)
        let index = try LMDBIndex(directory: layout.index, mapSize: configuration.mapSize,
                                  readOnly: configuration.readOnly,
                                  compressionThreshold: configuration.compressionThreshold,
                                  report: { metrics.record($0) })
        let policies: RegistryPolicies
        do {
            policies = try Self.loadPolicies(from: index)
        } catch {
            index.close()
            throw error
        }
        let pool = NIOThreadPool(numberOfThreads: max(1, configuration.ioThreads))
        pool.start()
        let registry = Registry(configuration: configuration, layout: layout, store: makeStore(layout), index: index,
                                metrics: metrics, ioPool: pool, lock: lock, policies: policies)
        if !configuration.readOnly {
            do {
                try await registry.recover()
                // Deletes by a command on the data root propagate too: record while a rule needs it.
                if let stored = try RegistryError.wrapping({ try index.setting(ReplicationSettings.settingName) }),
                   let settings = try? JSONDecoder().decode(ReplicationSettings.self, from: Data(stored)) {
                    try registry.outbox.configure(for: settings, in: index)
                }
            } catch {
                await registry.close()
                throw error
            }
            registry.startFigures()
        }
        return registry
    }

    /// Stops the I/O threads and the index writer, closes the index and releases the data
    /// root, so it can be opened again (by this process or another). Calls after this fail.
    public func close() async {
        // A first measurement of a large store may still be walking: it stops at its next
        // fan-out folder rather than holding up the I/O threads' shutdown.
        blobs.stopTrackingUsage()
        try? await ioPool.shutdownGracefully()
        await access.close()
        index.close()
        lock?.release()
    }

    /// Runs blocking file work on the engine's I/O threads.
    func io<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws(RegistryError) -> T {
        do {
            return try await ioPool.runIfActive(body)
        } catch {
            throw RegistryError(error)
        }
    }

    /// The current time by the configured clock.
    func now() -> Date { configuration.clock.now() }

    /// Clean-up on open (invariant 6): partials of crashed ingests, upload partials no session
    /// owns, sessions without a partial.
    private func recover() async throws(RegistryError) {
        let blobs = blobs
        let records = try RegistryError.wrapping { try index.allUploads() }
        let missing: [UploadID] = try await io {
            try blobs.removeLeftovers(keepingUploads: Set(records.map(\.id)))
            return records.filter { !blobs.hasUpload($0.id) }.map(\.id)
        }
        for id in missing {
            _ = try await RegistryError.wrapping { try await index.deleteUpload(id) }
        }
        let gone = Set(missing)
        let kept = records.filter { !gone.contains($0.id) }
        metrics.uploadsInProgress.set(kept.count)
        metrics.uploadBytesInProgress.set(kept.reduce(Int64(0)) { $0 + $1.offset })
        try await expireUploads()
    }

    /// Periodic upkeep for a long-running server: expires idle upload sessions.
    public func runMaintenance() async throws(RegistryError) {
        try await expireUploads()
    }
}

/// The registry on a local file system: blobs in the data root's content-addressed tree.
public typealias FileRegistry = Registry<FileBlobStore>

extension Registry where Store == FileBlobStore {
    /// Opens the engine on a data root, its blobs in the root's file tree (see `open(_:store:)`).
    public static func open(_ configuration: RegistryConfiguration) async throws(RegistryError) -> Registry {
        try await open(configuration) { layout in
            FileBlobStore(layout: layout, directWrites: configuration.directBlobWrites,
                          cachedPrefix: configuration.cachedPushPrefix, bufferSize: configuration.writeBufferSize,
                          bufferMemory: configuration.ingestBufferMemory, buffersInFlight: configuration.ingestBuffersInFlight)
        }
    }

    /// The buffers request bodies are gathered into before they are written and hashed.
    var ingestBuffers: IngestBufferPool { blobs.buffers }
}
