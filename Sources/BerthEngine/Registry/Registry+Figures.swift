import BerthModel
import Foundation

/// The engine's figures (`EngineMetrics`): what feeds them, written once here. The index
/// reports its own transactions (`IndexWriteBatch`); the blob store its usage; the rest is
/// counted where the registry commits, fails or ends something.
extension Registry {
    /// Sets the figures an engine starts with: the index's counts now, and the blob store's
    /// usage after its first walk (in the background, on an I/O thread: a large store takes
    /// seconds, and nothing waits for it).
    func startFigures() {
        if let figures = try? index.figures() { metrics.record(figures) }
        let blobs = blobs
        let metrics = metrics
        Task { try? await self.io { try blobs.trackUsage { metrics.record($0) } } }
    }

    /// A blob a push committed.
    func countIngest(_ info: BlobInfo) {
        metrics.ingestedBlobs.increment()
        metrics.ingestedBytes.increment(by: info.size)
    }

    /// Runs a step of the blob store, counting a failure of the storage (full, I/O error).
    /// Index writes are counted by the index's own reports, so only store steps go through here.
    func countingStoreFailures<T>(_ step: () async throws(RegistryError) -> T) async throws(RegistryError) -> T {
        do {
            return try await step()
        } catch {
            metrics.countFailedWrite(error)
            throw error
        }
    }

    /// Records a new upload session.
    func recordUploadStarted(_ id: UploadID, in repository: RepositoryName, owner: String?) async throws(RegistryError) -> UploadRecord {
        let record = try await RegistryError.wrapping { try await index.createUpload(id, repository: repository, owner: owner, now: self.now()) }
        metrics.uploadsInProgress.increment()
        return record
    }

    /// Moves a session's durable offset.
    func recordUploadAdvanced(_ id: UploadID, from offset: Int64, to next: Int64) async throws(RegistryError) -> UploadRecord {
        let record = try await RegistryError.wrapping { try await index.advanceUpload(id, from: offset, to: next, now: self.now()) }
        metrics.uploadBytesInProgress.increment(by: Double(next - offset))
        return record
    }

    /// Ends a session with its blob linked into the session's repository.
    func recordUploadFinished(_ id: UploadID, blob: BlobInfo) async throws(RegistryError) {
        let record = try await RegistryError.wrapping { try await index.finishUpload(id, blob: blob.digest, size: blob.size, now: self.now()) }
        countUploadEnded(record)
    }

    /// Ends a session without a blob; false if it was gone already.
    @discardableResult
    func recordUploadRemoved(_ id: UploadID) async throws(RegistryError) -> Bool {
        guard let record = try await RegistryError.wrapping({ try await index.deleteUpload(id) }) else { return false }
        countUploadEnded(record)
        return true
    }

    private func countUploadEnded(_ record: UploadRecord) {
        metrics.uploadsInProgress.decrement()
        metrics.uploadBytesInProgress.decrement(by: Double(record.offset))
    }
}
