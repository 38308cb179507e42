import BerthModel
import Foundation

/// Event-based replication: the outbox the push and delete transactions write
/// (`ReplicationOutbox`), drained oldest first into one execution per rule (trigger `event`).
///
/// An event names a manifest; what travels is the tree of the subject at the top of its
/// accessory chain, so every order of arrival ends the same: a subject pushed then signed goes
/// when signed (with `signedOnly` it waits until then, shown `waiting`); a signature pushed
/// for a subject already at the destination goes alone (the rest is there and is not sent
/// again); a signature pushed before its subject waits for it and goes with it, subject first.
/// An event leaves the outbox only after its execution is recorded: a crash replays it, and
/// replaying is harmless (what the destination holds is not sent again).
extension Replicator {
    /// Whether a rule needs the outbox.
    static func needsEvents(_ rule: ReplicationRule) -> Bool {
        rule.enabled && rule.mode == .push && (rule.trigger.kind == .event || rule.propagateDeletes)
    }

    /// Switches the registry's outbox on while a rule needs events, its keys continuing after
    /// the largest stored.
    func configureOutbox() throws(RegistryError) {
        let last = try RegistryError.wrapping { try registry.index.replicationRecords(.outbox, prefix: [], newestFirst: true, limit: 1).first }
        registry.outbox.record(settings.rules.contains(where: Self.needsEvents), after: last.map { ReplicationOutbox.sequence(of: $0.key) } ?? 0)
    }

    /// How many events wait in the outbox (at most `limit` counted).
    public func pendingEvents(limit: Int = 10_000) -> Int {
        (try? registry.index.replicationRecords(.outbox, prefix: [], newestFirst: false, limit: limit).count) ?? 0
    }

    /// Acts on up to `limit` events of the outbox, oldest first: each rule that needs events
    /// gets one execution for what they ask of it; then the events leave the outbox. One
    /// drain runs at a time (a second call returns 0 at once). Returns the events handled.
    @discardableResult
    public func drainOutbox(limit: Int = 256) async -> Int {
        guard draining.withLock({ busy in
            if busy { return false }
            busy = true
            return true
        }) else { return 0 }
        defer { draining.withLock { $0 = false } }
        guard let records = try? registry.index.replicationRecords(.outbox, prefix: [], newestFirst: false, limit: limit),
              !records.isEmpty else { return 0 }
        let decoder = JSONDecoder()
        let events = records.compactMap { try? decoder.decode(ReplicationEvent.self, from: Data($0.value)) }
        // The rules side by side: a destination that is slow or down holds back only its own.
        await withTaskGroup(of: Void.self) { group in
            for rule in settings.rules where Self.needsEvents(rule) {
                let jobs = eventJobs(events, rule: rule)
                guard !jobs.isEmpty else { continue }
                group.addTask {
                    guard let (rule, execution) = try? await self.begin(rule: rule.name, trigger: "event", dryRun: false, by: .replication) else { return }
                    await self.finish(rule, execution, by: .replication, jobs: jobs)
                }
            }
        }
        // Stopped half-way (a shutdown): the events stay and the next start replays them.
        guard !Task.isCancelled else { return 0 }
        let keys = records.map(\.key)
        try? await registry.index.write { txn in
            for key in keys { _ = try txn.removeReplicationRecord(.outbox, key) }
        }
        return records.count
    }

    /// What `events` ask of `rule`, each subject once.
    func eventJobs(_ events: [ReplicationEvent], rule: ReplicationRule) -> [Job] {
        var jobs: [Job] = []
        var planned = Set<String>()
        for event in events {
            guard let repository = try? RepositoryName(parsing: event.repository), rule.repositories.matches(repository.value),
                  let digest = try? Digest(parsing: event.digest) else { continue }
            switch event.kind {
            case .push where rule.trigger.kind == .event:
                guard let job = pushJob(digest, in: repository, rule: rule),
                      planned.insert("copy \(repository) \(job.subject.digest)").inserted else { continue }
                jobs.append(job)
            case .delete where rule.propagateDeletes:
                let tags = event.subjectTags.compactMap { try? Tag(parsing: $0) }
                guard rule.selects(repository: repository, tags: tags) else { continue }
                let removed = event.removed.compactMap { try? Digest(parsing: $0) }
                jobs.append(.delete(Subject(repository: repository, digest: digest, tags: []), removed: removed,
                                    below: event.subject.flatMap { try? Digest(parsing: $0) }))
            default:
                continue
            }
        }
        return jobs
    }

    /// The job a push of `digest` gives: the tree of the subject at the top of its accessory
    /// chain when that subject is here and carries a tag the rule selects; a hold when it is
    /// not here yet; nothing for an untagged manifest (it travels with what names it).
    private func pushJob(_ digest: Digest, in repository: RepositoryName, rule: ReplicationRule) -> Job? {
        var top = digest
        var seen: Set<Digest> = [digest]
        while let up = try? registry.index.subjects(ofAccessory: top, in: repository).first, seen.insert(up).inserted { top = up }
        guard (try? registry.index.manifest(top, in: repository)) != nil else {
            return .hold(Subject(repository: repository, digest: top, tags: []),
                         reason: "its subject is not here yet: it goes with the subject, which goes first")
        }
        let tags = ((try? registry.index.tags(of: top, in: repository)) ?? []).filter {
            AccessoryClassifier.tagSchemeSubject($0) == nil && ReferrersTagSchema.subject(of: $0) == nil && rule.tags.matches($0.value)
        }
        guard !tags.isEmpty else { return nil }
        return .copy(Subject(repository: repository, digest: top, tags: tags))
    }

    // MARK: Deletes

    /// Deletes `removed` at the destination, deepest accessory first (a destination that
    /// cascades has already taken some: those count as done), keeping the referrers tag schema
    /// of `subject` true there (`ReplicationTransfer.delete`).
    func performDelete(_ planned: ReplicationTask, removed: [Digest], below subject: Digest?,
                       source: any ReplicationSource, destination: any ReplicationDestination) async {
        var task = planned
        task.state = .running
        task.startedAt = registry.configuration.clock.now()
        task.artifacts = removed.count
        while task.attempts < maximumAttempts && !Task.isCancelled {
            task.attempts += 1
            do {
                let transfer = ReplicationTransfer(source: source, destination: destination,
                                                   sourceRepository: try RepositoryName(parsing: task.repository),
                                                   destinationRepository: try RepositoryName(parsing: task.destination), conflict: .override)
                let deleted = try await transfer.delete(removed, below: subject)
                task.state = .succeeded
                task.error = nil
                task.detail = "deleted \(deleted) of \(removed.count) manifests (the rest were not there)"
                break
            } catch {
                task.state = .failed
                task.error = Self.describe(error)
                if task.attempts < maximumAttempts { try? await Task.sleep(for: retryDelay * (1 << (task.attempts - 1))) }
            }
        }
        await end(task)
    }

    // MARK: Waiting subjects

    /// Records a task held back, as `hold` jobs do.
    func hold(_ planned: ReplicationTask, reason: String, rule: ReplicationRule) async {
        var task = planned
        task.state = .waiting
        task.detail = reason
        task.startedAt = registry.configuration.clock.now()
        await recordWaiting(task, rule: rule)
        await end(task)
    }

    static func waitingKey(_ rule: String, _ repository: String, _ digest: String) -> [UInt8] {
        Array(rule.utf8) + [0] + Array(repository.utf8) + [0] + Array(digest.utf8)
    }

    /// Remembers which task holds a subject back, so the run that sends it marks that task.
    func recordWaiting(_ task: ReplicationTask, rule: ReplicationRule) async {
        let key = Self.waitingKey(rule.name, task.repository, task.digest)
        let value = Self.executionKey(task.execution) + Self.executionKey(Int64(task.id))
        try? await registry.index.write { txn in try txn.putReplicationRecord(.waiting, key, value) }
    }

    /// Marks the tasks that held `subject` back as succeeded by `sender`, and forgets them.
    func resolveWaiting(_ subject: Subject, rule: ReplicationRule, sentBy sender: ReplicationTask) async {
        let key = Self.waitingKey(rule.name, subject.repository.value, subject.digest.description)
        guard let stored = try? registry.index.replicationRecord(.waiting, key), stored.count == 16 else { return }
        var reader = BinaryReader(stored)
        guard let execution = try? reader.i64(), let number = try? reader.i64() else { return }
        let taskKey = Self.taskKey(execution, Int(number))
        let decoder = JSONDecoder()
        var updated: [UInt8]?
        var recount: [UInt8]?
        if let bytes = try? registry.index.replicationRecord(.task, taskKey),
           var task = try? decoder.decode(ReplicationTask.self, from: Data(bytes)), task.state == .waiting,
           !(task.execution == sender.execution && task.id == sender.id) {
            task.state = .succeeded
            task.endedAt = registry.configuration.clock.now()
            task.detail = "sent by execution \(sender.execution) (\(task.detail ?? "was waiting"))"
            updated = try? Array(JSONEncoder().encode(task))
            // The execution's totals follow (a live one counts its own at its end).
            if current(execution) == nil, var held = try? self.execution(execution), held.waiting > 0 {
                held.waiting -= 1
                held.succeeded += 1
                recount = try? Array(JSONEncoder().encode(held))
            }
        }
        let replacement = updated
        let totals = recount
        try? await registry.index.write { txn in
            if let replacement { try txn.putReplicationRecord(.task, taskKey, replacement) }
            if let totals { try txn.putReplicationRecord(.execution, Self.executionKey(execution), totals) }
            _ = try txn.removeReplicationRecord(.waiting, key)
        }
    }
}
