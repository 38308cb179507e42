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
/// Open with `Registry.open(_:)`, and `close()` when done.
public final class Registry: Sendable {
    /// The configuration the engine was opened with.
    public let configuration: RegistryConfiguration
    /// Where everything lives under the data root.
    public let layout: DataRootLayout
    /// The blob store (content by digest; knows nothing of repositories).
    public let blobs: FileBlobStore
    /// The metadata index.
    public let index: any MetadataIndex
    let sessions: UploadSessions
    let sweepGate = SweepGate()
    /// The buffers request bodies are gathered into before they are written and hashed.
    let ingestBuffers: IngestBufferPool
    let collecting = Mutex(false)
    /// Accounts, projects, authorization and the audit log (a room of its own).
    public let access: AccessControl
    /// The rules and policies in force; the index holds the durable copy.
    let policyCache: Mutex<RegistryPolicies>
    private let ioPool: NIOThreadPool
    private let lock: DataRootLock?

    private init(configuration: RegistryConfiguration, layout: DataRootLayout, index: any MetadataIndex,
                 ioPool: NIOThreadPool, lock: DataRootLock?, policies: RegistryPolicies) {
        self.policyCache = Mutex(policies)
        self.configuration = configuration
        self.ingestBuffers = IngestBufferPool(bufferSize: configuration.writeBufferSize,
                                              memoryLimit: configuration.ingestBufferMemory)
        self.sessions = UploadSessions(maximumIdleWriters: configuration.maximumIdleUploadWriters)
        self.layout = layout
        self.blobs = FileBlobStore(layout: layout, directWrites: configuration.directBlobWrites)
        self.index = index
        self.ioPool = ioPool
        self.access = AccessControl(index: index, clock: configuration.clock, readOnly: configuration.readOnly)
        self.lock = lock
    }

    /// Opens the engine on a data root.
    ///
    /// Writable opens take the root's lock (failing at once with `.rootLocked` if another
    /// process holds it), remove temporary files a crash left behind, drop upload files no
    /// session owns and sessions whose file is gone, and expire idle sessions (invariant 6).
    /// Resumable uploads are kept.
    public static func open(_ configuration: RegistryConfiguration) async throws(RegistryError) -> Registry {
        let layout = DataRootLayout(root: configuration.root)
        var lock: DataRootLock?
        if !configuration.readOnly {
            try RegistryError.wrapping { try layout.create() }
            lock = try DataRootLock(layout: layout)
        } else if (try? POSIXFile.stat(layout.index)) == nil {
            throw .storage("no data root at \(layout.root)")
        }
        let index = try LMDBIndex(directory: layout.index, mapSize: configuration.mapSize,
                                  readOnly: configuration.readOnly,
                                  compressionThreshold: configuration.compressionThreshold)
        let policies: RegistryPolicies
        do {
            policies = try Self.loadPolicies(from: index)
        } catch {
            index.close()
            throw error
        }
        let pool = NIOThreadPool(numberOfThreads: max(1, configuration.ioThreads))
        pool.start()
        let registry = Registry(configuration: configuration, layout: layout, index: index, ioPool: pool, lock: lock,
                                policies: policies)
        if !configuration.readOnly {
            do {
                try await registry.recover()
            } catch {
                await registry.close()
                throw error
            }
        }
        return registry
    }

    /// Stops the I/O threads and the index writer, closes the index and releases the data
    /// root, so it can be opened again (by this process or another). Calls after this fail.
    public func close() async {
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

    /// Clean-up on open (invariant 6): temp files, orphaned upload files, sessions without a file.
    private func recover() async throws(RegistryError) {
        let layout = layout
        try await io {
            for name in try POSIXFile.list(layout.temporary) {
                try POSIXFile.unlink(layout.temporaryFile(name))
            }
        }
        let records = try RegistryError.wrapping { try index.allUploads() }
        let owned = Set(records.map(\.id.description))
        let missing: [UploadID] = try await io {
            for name in try POSIXFile.list(layout.uploads) where !owned.contains(name) {
                try POSIXFile.unlink("\(layout.uploads)/\(name)")
            }
            return try records.filter { try POSIXFile.stat(layout.uploadFile($0.id)) == nil }.map(\.id)
        }
        for id in missing {
            _ = try await RegistryError.wrapping { try await index.deleteUpload(id) }
        }
        try await expireUploads()
    }

    /// Periodic upkeep for a long-running server: expires idle upload sessions.
    public func runMaintenance() async throws(RegistryError) {
        try await expireUploads()
    }
}
