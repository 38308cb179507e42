import CoreMetrics
import Foundation

/// The engine's figures, as swift-metrics handles made once, when the engine opens, from the
/// factory of its configuration (`RegistryConfiguration.metricsFactory`). Nothing here is made
/// per request: the hot paths only increment, set or record.
///
/// Names (Prometheus style, as `berth serve` exposes them):
///
/// | name | kind | what |
/// |---|---|---|
/// | `berth_blobs_stored`, `berth_blob_bytes_stored` | gauge | committed blobs and their bytes (after the first walk of the store) |
/// | `berth_manifests`, `berth_tags` | gauge | manifest records and tags in the index, after each index commit |
/// | `berth_uploads_in_progress`, `berth_upload_bytes_in_progress` | gauge | open upload sessions and the bytes they hold |
/// | `berth_ingested_blobs_total`, `berth_ingested_bytes_total` | counter | blobs committed by pushes and their bytes (throughput: their rate) |
/// | `berth_gc_runs_total`, `berth_gc_duration_seconds` | counter, timer | finished collections (dry runs included) |
/// | `berth_gc_removed_total{kind}` | counter | manifests, blob links and blobs a collection removed |
/// | `berth_gc_freed_bytes_total` | counter | manifest and blob bytes a collection freed |
/// | `berth_retention_runs_total`, `berth_retention_duration_seconds` | counter, timer | finished retention runs |
/// | `berth_retention_removed_total{kind}` | counter | tags and manifests retention removed |
/// | `berth_index_map_used_bytes`, `berth_index_map_size_bytes` | gauge | the index's storage in use and its limit |
/// | `berth_index_write_transactions_total` | counter | committed (or failed) write transactions |
/// | `berth_index_write_batch_jobs` | recorder | writes that shared one transaction (group commit) |
/// | `berth_index_commit_duration_seconds` | timer | time to commit a write transaction durably |
/// | `berth_write_failures_total{kind}` | counter | writes refused by the storage: `storage_full`, `io_error` |
/// | `berth_audit_write_failures_total` | counter | audit events that could not be recorded |
public final class EngineMetrics: Sendable {
    let blobsStored: Meter
    let blobBytesStored: Meter
    let manifests: Meter
    let tags: Meter
    let uploadsInProgress: Meter
    let uploadBytesInProgress: Meter
    let ingestedBlobs: Counter
    let ingestedBytes: Counter
    let gcRuns: Counter
    let gcDuration: CoreMetrics.Timer
    let gcRemovedManifests: Counter
    let gcRemovedBlobLinks: Counter
    let gcRemovedBlobs: Counter
    let gcFreedBytes: Counter
    let retentionRuns: Counter
    let retentionDuration: CoreMetrics.Timer
    let retentionRemovedTags: Counter
    let retentionRemovedManifests: Counter
    let indexMapUsed: Meter
    let indexMapSize: Meter
    let indexTransactions: Counter
    let indexBatchJobs: Recorder
    let indexCommitDuration: CoreMetrics.Timer
    let storageFullFailures: Counter
    let ioErrorFailures: Counter
    let auditFailures: Counter

    /// The handles, made from `factory`.
    public init(factory: any MetricsFactory) {
        blobsStored = Meter(label: "berth_blobs_stored", factory: factory)
        blobBytesStored = Meter(label: "berth_blob_bytes_stored", factory: factory)
        manifests = Meter(label: "berth_manifests", factory: factory)
        tags = Meter(label: "berth_tags", factory: factory)
        uploadsInProgress = Meter(label: "berth_uploads_in_progress", factory: factory)
        uploadBytesInProgress = Meter(label: "berth_upload_bytes_in_progress", factory: factory)
        ingestedBlobs = Counter(label: "berth_ingested_blobs_total", factory: factory)
        ingestedBytes = Counter(label: "berth_ingested_bytes_total", factory: factory)
        gcRuns = Counter(label: "berth_gc_runs_total", factory: factory)
        gcDuration = CoreMetrics.Timer(label: "berth_gc_duration_seconds", factory: factory)
        gcRemovedManifests = Counter(label: "berth_gc_removed_total", dimensions: [("kind", "manifest")], factory: factory)
        gcRemovedBlobLinks = Counter(label: "berth_gc_removed_total", dimensions: [("kind", "blob_link")], factory: factory)
        gcRemovedBlobs = Counter(label: "berth_gc_removed_total", dimensions: [("kind", "blob")], factory: factory)
        gcFreedBytes = Counter(label: "berth_gc_freed_bytes_total", factory: factory)
        retentionRuns = Counter(label: "berth_retention_runs_total", factory: factory)
        retentionDuration = CoreMetrics.Timer(label: "berth_retention_duration_seconds", factory: factory)
        retentionRemovedTags = Counter(label: "berth_retention_removed_total", dimensions: [("kind", "tag")], factory: factory)
        retentionRemovedManifests = Counter(label: "berth_retention_removed_total", dimensions: [("kind", "manifest")], factory: factory)
        indexMapUsed = Meter(label: "berth_index_map_used_bytes", factory: factory)
        indexMapSize = Meter(label: "berth_index_map_size_bytes", factory: factory)
        indexTransactions = Counter(label: "berth_index_write_transactions_total", factory: factory)
        indexBatchJobs = Recorder(label: "berth_index_write_batch_jobs", factory: factory)
        indexCommitDuration = CoreMetrics.Timer(label: "berth_index_commit_duration_seconds", factory: factory)
        storageFullFailures = Counter(label: "berth_write_failures_total", dimensions: [("kind", "storage_full")], factory: factory)
        ioErrorFailures = Counter(label: "berth_write_failures_total", dimensions: [("kind", "io_error")], factory: factory)
        auditFailures = Counter(label: "berth_audit_write_failures_total", factory: factory)
    }

    /// Counts a write the storage refused, if `error` is such a refusal (a full disk or index,
    /// an I/O error); other errors (bad input, rules) are not failures of the storage.
    func countFailedWrite(_ error: RegistryError) {
        switch error {
        case .storageFull: storageFullFailures.increment()
        case .storage: ioErrorFailures.increment()
        default: break
        }
    }

    /// Records one index write transaction.
    func record(_ batch: IndexWriteBatch) {
        indexTransactions.increment()
        indexBatchJobs.record(batch.jobs)
        indexCommitDuration.recordNanoseconds(batch.commitDuration.nanoseconds)
        for failure in batch.failures {
            countFailedWrite(failure)
        }
        if let figures = batch.figures { record(figures) }
    }

    /// Sets the index's gauges.
    func record(_ figures: IndexFigures) {
        manifests.set(figures.manifests)
        tags.set(figures.tags)
        if let used = figures.storageUsed { indexMapUsed.set(used) }
        if let capacity = figures.storageCapacity { indexMapSize.set(capacity) }
    }

    /// Sets the blob store's gauges.
    func record(_ usage: BlobUsage) {
        blobsStored.set(usage.blobs)
        blobBytesStored.set(usage.bytes)
    }

    /// Records a finished garbage collection.
    func record(_ report: GarbageCollectionReport, duration: Duration) {
        gcRuns.increment()
        gcDuration.recordNanoseconds(duration.nanoseconds)
        guard !report.dryRun else { return }
        gcRemovedManifests.increment(by: report.manifests.count)
        gcRemovedBlobLinks.increment(by: report.blobLinks.count)
        gcRemovedBlobs.increment(by: report.blobs.count)
        gcFreedBytes.increment(by: max(0, report.manifestBytes + report.blobBytes))
    }

    /// Records a finished retention run.
    func record(_ report: RetentionReport, duration: Duration) {
        retentionRuns.increment()
        retentionDuration.recordNanoseconds(duration.nanoseconds)
        guard !report.dryRun else { return }
        retentionRemovedTags.increment(by: report.tags.count)
        retentionRemovedManifests.increment(by: report.manifests.count)
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
