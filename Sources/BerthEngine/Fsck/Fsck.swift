import BerthModel
import Foundation

/// A consistency check of a data root: every blob re-hashed, every index entry's target present,
/// every manifest's references resolvable.
///
/// Without repair it only reads, and may run beside the process that owns the root. With repair
/// (which needs the root's lock) it removes what is orphaned or dangling and moves corrupt blob
/// files to `quarantine/`; it never removes anything a valid index entry still names.
public struct Fsck: Sendable {
    /// One finding: what is wrong, on one line.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The kind of problem, stable for scripts (`blob-corrupt`, `tag-dangling`, …).
        public let kind: String
        /// What is affected and how.
        public let detail: String
        public var description: String { "\(kind): \(detail)" }

        /// The kinds that are harmless leftovers, not damage: nothing is served wrong and
        /// nothing stored is lost; they only take space until garbage collection (orphan blob
        /// files), `--repair` (orphan documents) or the next open (orphan upload files) removes
        /// them. Every other kind is damage.
        public static let leftoverKinds: Set<String> = ["blob-orphan", "document-orphan", "upload-orphan"]

        /// Whether this finding is a harmless leftover (see `leftoverKinds`).
        public var isLeftover: Bool { Self.leftoverKinds.contains(kind) }
    }

    /// What a run found and, with repair, what it changed.
    public struct Report: Sendable {
        /// Problems found (before any repair).
        public var problems: [Problem] = []
        /// One line per repair made.
        public var repairs: [String] = []
        /// Blobs re-hashed.
        public var blobsChecked = 0
        /// Manifests checked.
        public var manifestsChecked = 0
        /// True when nothing is damaged (harmless leftovers may have been found).
        public var isClean: Bool { !problems.contains { !$0.isLeftover } }
    }

    private let registry: FileRegistry

    /// A check of the root `registry` is open on (read-only is enough without repair).
    public init(registry: FileRegistry) { self.registry = registry }

    /// Runs the check; with `repair`, fixes what can be fixed safely.
    ///
    /// It streams: blob files, links, manifests, tags and edges are each visited once, and each
    /// is checked by lookups (the index, a `stat`) rather than against sets of everything, so
    /// its memory does not grow with the store; only findings are kept. The walks run on the
    /// engine's I/O threads; they stat files inside their read snapshot (the one exception to
    /// invariant 5: a long snapshot only delays page reuse, and fsck only reads).
    /// - Parameter progress: called with a line now and then during long runs.
    public func run(repair: Bool, progress: @escaping @Sendable (String) -> Void = { _ in }) async throws(RegistryError) -> Report {
        var report = Report()
        let index = registry.index
        let blobs = registry.blobs
        let layout = registry.layout

        // 1. Every blob file: name, then content, then whether anything links it.
        let stray = try await registry.io { try blobs.strayFiles() }
        for path in stray { report.problems.append(Problem(kind: "blob-stray", detail: "\(path) is not named by its digest")) }
        let walked = try await registry.io { () throws -> (checked: Int, corrupt: [Digest], problems: [Problem], unlinked: [BlobInfo]) in
            var checked = 0
            var corrupt: [Digest] = []
            var problems: [Problem] = []
            var unlinked: [BlobInfo] = []
            try blobs.walk { file in
                // A file garbage collection removed since the listing is no finding (beside a live server).
                guard let actual = try Self.hash(file.digest, layout) else { return true }
                checked += 1
                if actual != file.digest {
                    corrupt.append(file.digest)
                    problems.append(Problem(kind: "blob-corrupt", detail: "\(file.digest) hashes to \(actual)"))
                } else if try !index.isLinkedAnywhere(file.digest) {
                    // An orphan unless a manifest names it (damage, found below): held until then.
                    unlinked.append(file)
                }
                if checked % 1000 == 0 { progress("checked \(checked) blobs") }
                return true
            }
            return (checked, corrupt, problems, unlinked)
        }
        report.blobsChecked = walked.checked
        report.problems += walked.problems
        let corrupt = Set(walked.corrupt)
        /// The size of a blob file that is present and not corrupt, or nil.
        @Sendable func validSize(_ digest: Digest) throws -> Int64? {
            corrupt.contains(digest) ? nil : try POSIXFile.stat(layout.blobFile(digest))?.size
        }

        // 2. Index entries and their targets, each looked up.
        // Findings that something is missing are held until the walk is over and checked
        // again: beside a live server, a blob or a manifest pushed after the listing above is
        // no finding.
        struct IndexFindings: Sendable {
            var problems: [Problem] = []
            var manifestsChecked = 0
            /// Blobs a manifest names but its repository does not link: the manifest pulls, its
            /// blobs answer BLOB_UNKNOWN. Repair links them (the file is present and verified).
            var unlinked: [(repository: RepositoryName, digest: Digest, size: Int64)] = []
            var missingBlobs: [(digest: Digest, problem: Problem)] = []
            var danglingTags: [(repository: RepositoryName, tag: Tag, digest: Digest)] = []
        }
        let found = try await registry.io { () throws -> IndexFindings in
            var found = IndexFindings()
            try index.forEachBlobLink { repository, link in
                guard let size = try validSize(link.digest) else {
                    found.missingBlobs.append((link.digest, Problem(kind: "link-dangling", detail: "\(repository) links \(link.digest), which is missing or corrupt")))
                    return
                }
                if size != link.size {
                    found.problems.append(Problem(kind: "link-size", detail: "\(repository) links \(link.digest) with size \(link.size), file has \(size)"))
                }
            }
            try index.forEachManifest { record in
                found.manifestsChecked += 1
                if found.manifestsChecked % 1000 == 0 { progress("checked \(found.manifestsChecked) manifests") }
                let name = "\(record.repository)@\(record.digest)"
                if let bytes = try index.manifestBytes(record.digest) {
                    let actual = try ContentHasher.digest(of: bytes, using: record.digest.algorithm)
                    if actual != record.digest {
                        found.problems.append(Problem(kind: "manifest-corrupt", detail: "\(name) document hashes to \(actual)"))
                    }
                } else {
                    found.problems.append(Problem(kind: "manifest-document-missing", detail: name))
                }
                for blob in record.blobs {
                    if let size = try validSize(blob) {
                        guard try index.blobLink(blob, in: record.repository) == nil else { continue }
                        found.problems.append(Problem(kind: "manifest-blob-unlinked", detail: "\(name) references \(blob), which \(record.repository) does not link"))
                        found.unlinked.append((record.repository, blob, size))
                    } else {
                        found.missingBlobs.append((blob, Problem(kind: "manifest-blob-missing", detail: "\(name) references \(blob), which is missing or corrupt")))
                    }
                }
                for child in record.children where try index.manifest(child, in: record.repository) == nil {
                    found.problems.append(Problem(kind: "manifest-child-missing", detail: "\(name) references manifest \(child)"))
                }
            }
            try index.forEachTag { repository, tag, digest in
                if try index.manifest(digest, in: repository) == nil { found.danglingTags.append((repository, tag, digest)) }
            }
            for entry in try index.staleTagIndexEntries() {
                found.problems.append(Problem(kind: "tag-index-stale",
                                              detail: "\(entry.repository):\(entry.tag) is indexed under \(entry.digest), which it does not name"))
            }
            for entry in try index.unindexedTags() {
                found.problems.append(Problem(kind: "tag-index-missing",
                                              detail: "\(entry.repository):\(entry.tag) names \(entry.digest), but the manifest → tag index lacks it (GC would take the manifest for untagged)"))
            }
            try index.forEachReferrerEdge { repository, subject, referrer in
                if try index.manifest(referrer, in: repository) == nil {
                    found.problems.append(Problem(kind: "referrer-dangling", detail: "\(repository)@\(subject) lists missing referrer \(referrer)"))
                }
            }
            for digest in try index.orphanDocuments() {
                found.problems.append(Problem(kind: "document-orphan", detail: "the document of \(digest) is held by no manifest"))
            }
            let order = try index.pushOrderMismatches()
            for entry in order.missing {
                found.problems.append(Problem(kind: "push-order-missing", detail: "\(entry) has no push-time entry (paged listings skip it)"))
            }
            for entry in order.stale {
                found.problems.append(Problem(kind: "push-order-stale", detail: "the push-time entry of \(entry) has no record behind it"))
            }
            return found
        }
        report.manifestsChecked = found.manifestsChecked
        report.problems += found.problems
        let unlinked = found.unlinked
        // A blob file no link and no manifest names: a push whose manifest never came, or what
        // a collection's grace keeps for now.
        let namedUnlinked = Set(unlinked.map(\.digest))
        for file in walked.unlinked where !namedUnlinked.contains(file.digest) {
            report.problems.append(Problem(kind: "blob-orphan", detail: "\(file.digest) (\(file.size) bytes) is named by no link and no manifest"))
        }

        // The held findings, checked again now.
        let missing = Set(found.missingBlobs.map(\.digest))
        let arrivedSince = try await registry.io { () -> Set<Digest> in
            Set(try missing.filter { digest in try POSIXFile.stat(layout.blobFile(digest)) != nil && Self.hash(digest, layout) == digest })
        }
        report.problems += found.missingBlobs.filter { !arrivedSince.contains($0.digest) }.map(\.problem)
        for tag in found.danglingTags {
            // As the tag is now: removed or moved since the walk, it is judged by its new target.
            guard let current = try RegistryError.wrapping({ try index.resolve(tag: tag.tag, in: tag.repository) }),
                  try RegistryError.wrapping({ try index.manifest(current, in: tag.repository) }) == nil else { continue }
            report.problems.append(Problem(kind: "tag-dangling", detail: "\(tag.repository):\(tag.tag) points at missing \(current)"))
        }

        // 3. Upload sessions and their files; debris. Beside a live server a session's file is
        // created just before its record: files are listed before and after the records, and
        // only a file seen both times without a record is an orphan; a record is missing its
        // file only if neither listing saw it.
        let filesBefore = try await registry.io { Set(try POSIXFile.list(layout.uploads)) }
        let uploads = try RegistryError.wrapping { try index.allUploads() }
        let owned = Set(uploads.map(\.id.description))
        let (filesAfter, temporary) = try await registry.io {
            (Set(try POSIXFile.list(layout.uploads)), try POSIXFile.list(layout.temporary))
        }
        let uploadFiles = filesBefore.union(filesAfter)
        for record in uploads where !uploadFiles.contains(record.id.description) {
            report.problems.append(Problem(kind: "upload-file-missing", detail: "upload \(record.id) in \(record.repository)"))
        }
        // Without repair a server may own the root: a session being cancelled loses its record
        // just before its file, so only files a minute old count as orphans there.
        let orphanUploads = try await registry.io { () -> [String] in
            try filesBefore.intersection(filesAfter).filter { name in
                guard !owned.contains(name) else { return false }
                if repair { return true }
                return try POSIXFile.stat("\(layout.uploads)/\(name)").map { $0.modified < Date().addingTimeInterval(-60) } ?? false
            }.sorted()
        }
        for name in orphanUploads {
            report.problems.append(Problem(kind: "upload-orphan", detail: "\(layout.uploads)/\(name) belongs to no session"))
        }

        // Orphan blob files are never removed here: beside a live server one may be a blob just
        // committed and about to be linked. Garbage collection removes them after its grace.
        guard repair, report.problems.contains(where: { $0.kind != "blob-orphan" }) || !temporary.isEmpty else { return report }
        guard !registry.configuration.readOnly else { throw .readOnly }

        // Repair: files out of the way first, then the index entries that named them.
        let corruptBlobs = walked.corrupt
        let moved = try await registry.io { () -> [String] in
            var lines: [String] = []
            try POSIXFile.makeDirectory(layout.quarantine)
            for digest in corruptBlobs {
                // Never over an earlier quarantined copy: each is evidence of its own.
                var target = "\(layout.quarantine)/\(digest.algorithm.rawValue)-\(digest.encoded)"
                if try POSIXFile.stat(target) != nil { target += "-\(UploadID.random())" }
                try POSIXFile.rename(layout.blobFile(digest), target)
                try POSIXFile.fsyncDirectory(layout.blobFanoutDirectory(digest))
                lines.append("moved corrupt blob \(digest) to \(target)")
            }
            for path in stray {
                let target = "\(layout.quarantine)/stray-\(UploadID.random())"
                try POSIXFile.rename(path, target)
                lines.append("moved stray file \(path) to \(target)")
            }
            if !corruptBlobs.isEmpty || !stray.isEmpty { try POSIXFile.fsyncDirectory(layout.quarantine) }
            for name in orphanUploads {
                try POSIXFile.unlink("\(layout.uploads)/\(name)")
                lines.append("removed orphaned upload file \(name)")
            }
            for name in temporary {
                try POSIXFile.unlink(layout.temporaryFile(name))
                lines.append("removed temporary file \(name)")
            }
            return lines
        }
        report.repairs += moved
        for record in uploads where !uploadFiles.contains(record.id.description) {
            try await registry.recordUploadRemoved(record.id)
            report.repairs.append("removed upload session \(record.id) (file missing)")
        }
        for blob in unlinked {
            try await RegistryError.wrapping { try await index.linkBlob(blob.digest, size: blob.size, into: blob.repository, now: registry.now()) }
            report.repairs.append("linked \(blob.digest) into \(blob.repository), which a manifest there references")
        }
        let removed = try await RegistryError.wrapping {
            // Only a blob known gone (or corrupt) loses its link: a stat that fails proves nothing.
            try await index.removeDangling(blobExists: { digest in
                do { return try validSize(digest) != nil } catch { return true }
            })
        }
        report.repairs += removed
        return report
    }

    /// The digest of a blob file's content, or nil when the file is gone.
    private static func hash(_ digest: Digest, _ layout: DataRootLayout) throws -> Digest? {
        do {
            return try ContentHasher.digest(ofFile: layout.blobFile(digest), using: digest.algorithm)
        } catch let error as IOError where error.code == ENOENT {
            return nil
        }
    }
}
