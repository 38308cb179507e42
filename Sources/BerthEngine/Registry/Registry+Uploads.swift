import BerthModel
import Foundation

/// Upload sessions: start, append chunks, status, finish, cancel, expire.
///
/// A session's partial file and offset are durable after every chunk, so a session survives a
/// restart; the running hash does not, and is rebuilt from the partial file on the session's
/// next append or finish.
extension Registry {
    /// Opens a new session bound to `repository` (and to `owner`, when given: only the same
    /// owner may continue it).
    /// - Parameter limit: refuse (`.tooManyUploads`) when `owner` already has this many sessions
    ///   active in the last ten minutes. Without an owner (anonymous mode) there is no account
    ///   to count against: all clients would share one allowance, and one could use it up.
    public func startUpload(in repository: RepositoryName, owner: String? = nil, limit: Int? = nil) async throws(RegistryError) -> UploadRecord {
        if let limit, let owner {
            let recent = self.now().addingTimeInterval(-600)
            let active = try RegistryError.wrapping { try index.allUploads() }.filter { $0.owner == owner && $0.updatedAt > recent }.count
            guard active < limit else { throw .tooManyUploads(limit: limit) }
        }
        let id = UploadID.random()
        let blobs = blobs
        // File first, then the record: a crash in between leaves a file that recovery removes.
        try await countingStoreFailures { () async throws(RegistryError) in try await io { try blobs.createUpload(id) } }
        return try await recordUploadStarted(id, in: repository, owner: owner)
    }

    /// The session's state (its offset is the `Range` a client resumes from).
    public func uploadStatus(_ id: UploadID, in repository: RepositoryName, owner: String? = nil) async throws(RegistryError) -> UploadRecord {
        try await liveRecord(id, in: repository, owner: owner)
    }

    /// Appends a chunk streamed from `body`.
    /// - Parameter offset: where the client says the chunk starts (from `Content-Range`); when
    ///   given and not the session's offset, nothing is written and `.uploadOffsetMismatch` is
    ///   thrown: the session stays usable.
    /// - Returns: the session after the chunk is durable.
    ///
    /// If the body fails midway, the bytes received so far are kept and made durable, and the
    /// offset moves past them; the client's status request shows where to resume.
    public func appendUpload<Body: AsyncSequence>(
        _ id: UploadID, in repository: RepositoryName, at offset: Int64? = nil, owner: String? = nil, body: Body
    ) async throws(RegistryError) -> UploadRecord where Body.Element: ContiguousBytesCollection {
        let lease = try sessions.acquire(id)
        defer { sessions.release(id) }
        let (record, writer) = try await resume(id, in: repository, at: offset, owner: owner, lease: lease)
        var failure: RegistryError?
        do {
            try await writer.value.append(limited(body, alreadyReceived: writer.value.offset), acknowledgingOnceWritten: true)
        } catch {
            // A full disk is counted here; another failure of a streaming append may be the
            // client's body as well as the disk, and a disk that fails fails the sync below.
            if case .storageFull = error { metrics.countFailedWrite(error) }
            failure = error
        }
        try await countingStoreFailures { () async throws(RegistryError) in try await io { try writer.value.sync() } }
        let advanced = try await recordUploadAdvanced(id, from: record.offset, to: writer.value.offset)
        if let failure { throw failure }
        return advanced
    }

    /// Finishes a session: appends `lastChunk` if given, checks the content against `digest`,
    /// stores the blob and links it into `repository`. On a digest mismatch the session is
    /// discarded (the content can never match) and nothing is stored. On a storage failure
    /// (the disk, not the content) the session stays as it was before this request, at its
    /// durable offset: the client may retry the finish.
    public func finishUpload<Body: AsyncSequence>(
        _ id: UploadID, in repository: RepositoryName, digest: Digest, at offset: Int64? = nil, owner: String? = nil, lastChunk: Body?
    ) async throws(RegistryError) -> BlobInfo where Body.Element: ContiguousBytesCollection {
        let lease = try sessions.acquire(id)
        defer { sessions.release(id) }
        let (_, writer) = try await resume(id, in: repository, at: offset, owner: owner, lease: lease)
        if let lastChunk {
            do throws(RegistryError) {
                try await writer.value.append(limited(lastChunk, alreadyReceived: writer.value.offset), acknowledgingOnceWritten: false)
            } catch {
                if case .storageFull = error { metrics.countFailedWrite(error) }
                throw error
            }
        }
        let blobs = blobs
        return try await sweepGate.push { () async throws(RegistryError) -> BlobInfo in
            let info: BlobInfo
            do throws(RegistryError) {
                info = try await countingStoreFailures { () async throws(RegistryError) in
                    try await io { try writer.value.commit(expected: digest, expectedSize: nil, keepingPartialOnIOError: true) }
                }
            } catch {
                lease.writer = nil
                let resumable = (try? await io { blobs.hasUpload(id) }) ?? false
                switch error {
                case .digestMismatch, .sizeMismatch:
                    break
                case _ where resumable:
                    // Bytes of the last chunk past the durable offset are dropped when the
                    // partial file is reopened: the session is exactly as before this request.
                    throw error
                default:
                    break
                }
                _ = try? await recordUploadRemoved(id)
                sessions.remove(id)
                throw error
            }
            lease.writer = nil
            do throws(RegistryError) {
                try await recordUploadFinished(id, blob: info)
            } catch {
                // The blob is stored but not linked, and the partial file is gone: the session
                // cannot go on. End it, so a retry gets a clear "unknown upload" and starts over
                // (the blob is found at once when pushed again).
                _ = try? await recordUploadRemoved(id)
                sessions.remove(id)
                throw error
            }
            sessions.remove(id)
            countIngest(info)
            return info
        }
    }

    /// Finishes a session whose bytes have all been appended.
    public func finishUpload(_ id: UploadID, in repository: RepositoryName, digest: Digest) async throws(RegistryError) -> BlobInfo {
        try await finishUpload(id, in: repository, digest: digest, lastChunk: OneChunk?.none)
    }

    /// Cancels a session and removes its partial file.
    public func cancelUpload(_ id: UploadID, in repository: RepositoryName, owner: String? = nil) async throws(RegistryError) {
        let lease = try sessions.acquire(id)
        defer { sessions.release(id) }
        _ = try await liveRecord(id, in: repository, owner: owner)
        lease.writer = nil
        try await discardUpload(id)
    }

    /// Removes sessions idle longer than the configured expiry, with their files. Sessions in
    /// use by a request are left alone.
    public func expireUploads(now: Date? = nil) async throws(RegistryError) {
        let now = now ?? self.now()
        let records = try RegistryError.wrapping { try index.allUploads() }
        for record in records where isExpired(record, now: now) {
            // Claimed like a request would: a session a request holds is skipped, and none can
            // take it while it is being discarded.
            guard (try? sessions.acquire(record.id)) != nil else { continue }
            defer { sessions.release(record.id) }
            // The listing may predate a chunk that was acknowledged while earlier sessions were
            // being discarded: judge the session by its record as it is now.
            guard let current = try RegistryError.wrapping({ try index.upload(record.id) }), isExpired(current, now: now) else { continue }
            try await discardUpload(record.id)
        }
    }

    private func discardUpload(_ id: UploadID) async throws(RegistryError) {
        // Record first, file second: a crash in between leaves an orphan file that recovery removes.
        try await recordUploadRemoved(id)
        sessions.remove(id)
        let blobs = blobs
        try await io { try blobs.removeUpload(id) }
    }

    private func isExpired(_ record: UploadRecord, now: Date) -> Bool {
        now.timeIntervalSince(record.updatedAt) > configuration.uploadExpiry.seconds
    }

    /// The session's record, if it exists, belongs to `repository` (and to `owner`, when
    /// given) and has not expired. Someone else's session is as unknown as a missing one.
    private func liveRecord(_ id: UploadID, in repository: RepositoryName, owner: String? = nil) async throws(RegistryError) -> UploadRecord {
        guard let record = try RegistryError.wrapping({ try index.upload(id) }), record.repository == repository,
              owner == nil || record.owner == owner else {
            throw .uploadUnknown(id.description)
        }
        if isExpired(record, now: self.now()) {
            try await discardUpload(id)
            throw .uploadUnknown(id.description)
        }
        return record
    }

    /// The session's record and writer for a request that writes at `offset` (nil: wherever the
    /// session is). A wrong offset changes nothing and throws `.uploadOffsetMismatch`.
    private func resume(_ id: UploadID, in repository: RepositoryName, at offset: Int64?, owner: String?,
                        lease: UploadSessions.Lease) async throws(RegistryError) -> (UploadRecord, UnsafeTransfer<Store.Writer>) {
        let record = try await liveRecord(id, in: repository, owner: owner)
        if let offset, offset != record.offset {
            throw .uploadOffsetMismatch(expected: record.offset, got: offset)
        }
        return (record, try await writer(for: lease, record: record))
    }

    /// The lease's open writer, or the session's partial file reopened at its durable offset.
    private func writer(for lease: UploadSessions.Lease, record: UploadRecord) async throws(RegistryError) -> UnsafeTransfer<Store.Writer> {
        if let writer = lease.writer as? Store.Writer, writer.offset == record.offset { return UnsafeTransfer(writer) }
        let blobs = blobs
        let opened = try await io { UnsafeTransfer(try blobs.resumeUpload(record.id, at: record.offset)) }
        lease.writer = opened.value
        return opened
    }
}
