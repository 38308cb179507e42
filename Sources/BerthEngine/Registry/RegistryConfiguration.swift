import CoreMetrics
import Foundation

/// How an engine is opened. A value: pass it in; nothing is read from globals.
public struct RegistryConfiguration: Sendable {
    /// The data root directory (created if missing, unless read-only).
    public var root: String
    /// Open without taking the root's lock, for read-only tools (`fsck` without `--repair`)
    /// running beside the process that owns it. Every write then fails with `.readOnly`.
    public var readOnly: Bool
    /// The wall clock every recorded and judged time comes from (see `RegistryClock`).
    public var clock: any RegistryClock
    /// Upload sessions idle longer than this are removed with their partial files.
    public var uploadExpiry: Duration
    /// Threads that run blocking file I/O, off the cooperative pool and the event loops.
    public var ioThreads: Int
    /// Address space reserved for the LMDB map (sparse: costs disk only as it fills).
    public var mapSize: Int
    /// Manifest documents above this many bytes are kept zstd-compressed when that saves space.
    public var compressionThreshold: Int
    /// Bytes gathered from a request body before one write to disk and one hand-off to the
    /// hash (fewer, larger writes; fewer wake-ups between the body, the disk and the hash).
    public var writeBufferSize: Int
    /// Memory for ingest buffers beyond the two each ingest always gets: extra buffers in
    /// flight (up to `ingestBuffersInFlight` per ingest) come out of it, and at most this much
    /// is kept idle for reuse between requests.
    public var ingestBufferMemory: Int
    /// Full buffers one ingest may have being written and hashed while the next one fills
    /// (at least 1; more than 1 only as `ingestBufferMemory` allows).
    public var ingestBuffersInFlight: Int
    /// The largest blob accepted; a push past it fails with `.blobTooLarge` and stores nothing.
    public var maximumBlobSize: Int64
    /// The slowest a request body may arrive, in bytes per second averaged from its start, once
    /// `slowBodyGrace` has passed (nil: no minimum). Cuts off clients that trickle bytes to hold
    /// uploads and connections open.
    public var minimumBodyRate: Int?
    /// How long a body may arrive at any pace before `minimumBodyRate` applies.
    public var slowBodyGrace: Duration
    /// Idle upload sessions that keep an open file and running hash between requests; past it
    /// the longest idle one closes, and its next request rebuilds the hash from its file.
    public var maximumIdleUploadWriters: Int
    /// Write full, aligned buffers of an ingest with O_DIRECT: less CPU per pushed byte and no
    /// writeback left for the commit's fsync, but a blob just pushed is not in the page cache,
    /// so its first pull reads the disk: on, only what lies past `cachedPushPrefix` is written
    /// that way. Off: every byte goes through the page cache.
    public var directBlobWrites: Bool
    /// How much of each blob is written through the page cache, for its first pull, before
    /// direct writes take over (`CachedPushPrefix`; `.none`: direct from the first buffer).
    public var cachedPushPrefix: CachedPushPrefix
    /// Where the engine's figures go (`EngineMetrics`): by default the process's
    /// swift-metrics backend (`MetricsSystem.factory`, which does nothing until bootstrapped).
    /// Handles are made once, when the engine opens.
    public var metricsFactory: any MetricsFactory

    /// A configuration with the defaults: 24 h upload expiry, 8 I/O threads, 1 TiB map,
    /// 1 KiB compression threshold, 4 MiB write buffers (4 in flight per ingest, 64 MiB of
    /// extra and idle buffers in all), 64 GiB largest blob, bodies at least 1 KiB/s after
    /// 30 s, 256 idle upload writers, direct blob writes past a cached prefix of each blob (up
    /// to 64 MiB, within a quarter of the available memory).
    public init(root: String, readOnly: Bool = false, uploadExpiry: Duration = .seconds(24 * 3600),
                ioThreads: Int = 8, mapSize: Int = 1 << 40, compressionThreshold: Int = 1024,
                writeBufferSize: Int = 4 << 20, ingestBufferMemory: Int = 64 << 20, ingestBuffersInFlight: Int = 4,
                maximumBlobSize: Int64 = 64 << 30,
                minimumBodyRate: Int? = 1024, slowBodyGrace: Duration = .seconds(30), maximumIdleUploadWriters: Int = 256,
                directBlobWrites: Bool = true, cachedPushPrefix: CachedPushPrefix = .standard,
                clock: any RegistryClock = SystemClock(),
                metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        self.clock = clock
        self.metricsFactory = metricsFactory
        self.maximumIdleUploadWriters = maximumIdleUploadWriters
        self.directBlobWrites = directBlobWrites
        self.cachedPushPrefix = cachedPushPrefix
        self.minimumBodyRate = minimumBodyRate
        self.slowBodyGrace = slowBodyGrace
        self.maximumBlobSize = maximumBlobSize
        self.root = root
        self.readOnly = readOnly
        self.uploadExpiry = uploadExpiry
        self.ioThreads = ioThreads
        self.mapSize = mapSize
        self.compressionThreshold = compressionThreshold
        self.writeBufferSize = writeBufferSize
        self.ingestBufferMemory = ingestBufferMemory
        self.ingestBuffersInFlight = ingestBuffersInFlight
    }
}
