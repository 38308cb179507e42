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
/// Each rule keeps a cursor in the outbox and moves it only after its execution is recorded; an
/// event leaves the outbox once every rule has passed it. A crash replays what a rule had not
/// passed, and replaying is harmless (what the destination holds is not sent again).
extension Replicator {
    static func needsEvents(_ rule: ReplicationRule) -> Bool { rule.needsEvents }

    /// Switches the registry's outbox on while a rule needs events, its keys continuing after
    /// the largest stored.
    func configureOutbox() throws(RegistryError) {
        try registry.outbox.configure(for: settings, in: registry.index)
    }

    /// How many events wait in the outbox (at most `limit` counted).
    public func pendingEvents(limit: Int = 10_000) -> Int {
        (try? registry.index.replicationRecords(.outbox, prefix: [], newestFirst: false, limit: limit).count) ?? 0
    }

    /// Acts on the outbox for every rule that needs events, each from where it stands (its
    /// cursor), up to `limit` events a rule, the rules side by side: a destination that is slow
    /// or down holds back only its own rule. A rule already draining (an earlier call still
    /// running) is left to it. Then the events every rule has passed leave the outbox. Returns
    /// the events handled.
    @discardableResult
    public func drainOutbox(limit: Int = 256) async -> Int {
        let handled = await withTaskGroup(of: Int.self) { group in
            for rule in settings.rules where Self.needsEvents(rule) && claimDrain(rule.name) {
                group.addTask {
                    defer { self.releaseDrain(rule.name) }
                    return await self.drain(rule, limit: limit)
                }
            }
            return await group.reduce(0, +)
        }
        await pruneOutbox()
        return handled
    }

    /// Starts, in the background, a drain of every rule that needs events and is not draining
    /// already, each going on while it finds events (the server calls this a few times a
    /// second; `shutdown()` stops them, and what a stopped drain had not finished is replayed on
    /// the next start).
    public func startOutboxDrains(limit: Int = 256) {
        for rule in settings.rules where Self.needsEvents(rule) && claimDrain(rule.name) {
            let task = Task {
                while !Task.isCancelled, await self.drain(rule, limit: limit) > 0 {}
                await self.pruneOutbox()
                self.releaseDrain(rule.name)
            }
            drains.withLock { $0[rule.name] = task }
        }
    }

    private func claimDrain(_ rule: String) -> Bool {
        drainingRules.withLock { $0.insert(rule).inserted }
    }

    private func releaseDrain(_ rule: String) {
        _ = drainingRules.withLock { $0.remove(rule) }
        _ = drains.withLock { $0.removeValue(forKey: rule) }
    }

    /// One step of a rule's drain: the next `limit` events after its cursor, one execution for
    /// what they ask of it, then the cursor moved past them. Nothing moves when the step was
    /// stopped half-way or its execution could not start (it is tried again). Returns the
    /// events it passed.
    private func drain(_ rule: ReplicationRule, limit: Int) async -> Int {
        let key = Array(rule.name.utf8)
        let cursor = (try? registry.index.replicationRecord(.cursor, key)) ?? nil
        guard let records = try? registry.index.replicationRecords(.outbox, after: cursor ?? [], limit: limit),
              let last = records.last?.key else { return 0 }
        let decoder = JSONDecoder()
        let jobs = eventJobs(records.compactMap { try? decoder.decode(ReplicationEvent.self, from: Data($0.value)) }, rule: rule)
        if !jobs.isEmpty {
            guard let (rule, execution) = try? await begin(rule: rule.name, trigger: "event", dryRun: false, by: .replication) else { return 0 }
            await finish(rule, execution, by: .replication, jobs: jobs)
        }
        guard !Task.isCancelled else { return 0 }
        do {
            try await registry.index.write { txn in try txn.putReplicationRecord(.cursor, key, last) }
        } catch {
            return 0
        }
        return records.count
    }

    /// Removes the events every rule that needs events has passed (all of them when none does).
    func pruneOutbox() async {
        let rules = settings.rules.filter(Self.needsEvents)
        var floor: [UInt8]?
        for rule in rules {
            guard let cursor = (try? registry.index.replicationRecord(.cursor, Array(rule.name.utf8))) ?? nil else { return }
            if floor == nil || cursor.lexicographicallyPrecedes(floor ?? []) { floor = cursor }
        }
        guard let records = try? registry.index.replicationRecords(.outbox, prefix: [], newestFirst: false, limit: 4096) else { return }
        let passed = records.map(\.key).filter { key in floor.map { !$0.lexicographicallyPrecedes(key) } ?? true }
        guard !passed.isEmpty else { return }
        try? await registry.index.write { txn in
            for key in passed { _ = try txn.removeReplicationRecord(.outbox, key) }
        }
    }

    /// Starts a rule that needs events at the end of the outbox (what was recorded before it
    /// is not its business), unless it has a cursor already.
    func startCursor(of rule: ReplicationRule) async throws(RegistryError) {
        guard Self.needsEvents(rule) else { return }
        let key = Array(rule.name.utf8)
        try await RegistryError.wrapping {
            guard try registry.index.replicationRecord(.cursor, key) == nil else { return }
            let last = try registry.index.replicationRecords(.outbox, prefix: [], newestFirst: true, limit: 1).first?.key
                ?? ReplicationOutbox.key(0)
            try await registry.index.write { txn in try txn.putReplicationRecord(.cursor, key, last) }
        }
    }

    /// What `events` ask of `rule`, each subject once.
    /// The last event of a subject wins (a push then a delete of it leaves a delete; a delete
    /// then a push again, a copy), so one batch never runs both side by side.
    func eventJobs(_ events: [ReplicationEvent], rule: ReplicationRule) -> [Job] {
        var jobs: [Job] = []
        var position: [String: Int] = [:]
        func add(_ job: Job) {
            let key = "\(job.subject.repository) \(job.subject.digest)"
            if let earlier = position[key] { jobs[earlier] = job } else {
                position[key] = jobs.count
                jobs.append(job)
            }
        }
        for event in events {
            guard let repository = try? RepositoryName(parsing: event.repository), rule.repositories.matches(repository.value),
                  let digest = try? Digest(parsing: event.digest) else { continue }
            switch event.kind {
            case .push where rule.trigger.kind == .event:
                guard let job = pushJob(digest, in: repository, rule: rule) else { continue }
                add(job)
            case .untag where rule.propagateDeletes:
                let tags = event.subjectTags.compactMap { try? Tag(parsing: $0) }.filter(rule.selectsSubject(taggedWith:))
                guard !tags.isEmpty else { continue }
                jobs.append(.untag(Subject(repository: repository, digest: digest, tags: tags)))
            case .delete where rule.propagateDeletes:
                let tags = event.subjectTags.compactMap { try? Tag(parsing: $0) }
                guard rule.selects(repository: repository, tags: tags) else { continue }
                let removed = event.removed.compactMap { try? Digest(parsing: $0) }
                add(.delete(Subject(repository: repository, digest: digest, tags: []), removed: removed,
                            below: event.subject.flatMap { try? Digest(parsing: $0) }))
            default:
                continue
            }
        }
        return jobs
    }

    /// The job a push of `digest` gives: the tree of the subject at the top of its accessory
    /// chain when that subject is here and carries a tag the rule selects (or, for an untagged
    /// child of an index, the tree of the tagged index naming it, which holds the child's
    /// accessories); a hold when it is not here yet; nothing for a manifest no selected tag
    /// reaches (it travels with what names it).
    private func pushJob(_ digest: Digest, in repository: RepositoryName, rule: ReplicationRule) -> Job? {
        let index = registry.index
        let top = AccessoryChain.top(of: digest) { (try? index.subjects(ofAccessory: $0, in: repository))?.first }
        guard (try? registry.index.manifest(top, in: repository)) != nil else {
            return .hold(Subject(repository: repository, digest: top, tags: []),
                         reason: "its subject is not here yet: it goes with the subject, which goes first")
        }
        // Up through the indexes naming it until a selected tag is found.
        var seen: Set<Digest> = [top]
        var candidates = [top]
        while let candidate = candidates.first {
            candidates.removeFirst()
            let tags = ((try? registry.index.tags(of: candidate, in: repository)) ?? []).filter(rule.selectsSubject(taggedWith:))
            if !tags.isEmpty { return .copy(Subject(repository: repository, digest: candidate, tags: tags)) }
            for parent in (try? registry.index.parents(of: candidate, in: repository)) ?? [] where seen.insert(parent).inserted {
                candidates.append(parent)
            }
        }
        return nil
    }

    // MARK: Deletes

    /// Deletes `removed` at the destination, deepest accessory first (a destination that
    /// cascades has already taken some: those count as done), keeping the referrers tag schema
    /// of `subject` true there (`ReplicationTransfer.delete`).
    func performDelete(_ planned: ReplicationTask, removed: [Digest], below subject: Digest?, rule: ReplicationRule,
                       source: any ReplicationSource, destination: any ReplicationDestination) async {
        var task = planned
        task.artifacts = removed.count
        await attempt(task) { task in
            let transfer = ReplicationTransfer(source: source, destination: destination,
                                               sourceRepository: try RepositoryName(parsing: task.repository),
                                               destinationRepository: try RepositoryName(parsing: task.destination), conflict: .override,
                                               schemaGate: self.schemaGate(rule.endpoint, task.destination))
            let deleted = try await transfer.delete(removed, below: subject)
            await self.settleWaiting(Self.waitingKey(rule.name, task.repository, task.digest), as: .skipped) {
                "deleted while waiting (\($0 ?? "was waiting"))"
            }
            return "deleted \(deleted) of \(removed.count) manifests (the rest were not there)"
        }
    }

    /// Deletes `tags` at the destination, each only while it still names the same manifest
    /// there (a tag moved since by another push is left alone).
    func performUntag(_ planned: ReplicationTask, tags: [Tag], destination: any ReplicationDestination) async {
        await attempt(planned) { task in
            let repository = try RepositoryName(parsing: task.destination)
            var deleted: [String] = []
            for tag in tags where try await destination.manifestDigest(.tag(tag), in: repository)?.description == task.digest {
                if try await destination.deleteTag(tag, in: repository) { deleted.append(tag.value) }
            }
            return deleted.isEmpty ? "no tag to delete there" : "deleted the tags \(deleted.joined(separator: ", "))"
        }
    }

    /// Runs `work` (which returns the task's detail) up to `maximumAttempts` times, pausing
    /// longer after each failure, and records how the task ended.
    private func attempt(_ planned: ReplicationTask, _ work: (ReplicationTask) async throws -> String) async {
        var task = planned
        task.state = .running
        task.startedAt = registry.configuration.clock.now()
        while task.attempts < maximumAttempts && !Task.isCancelled {
            task.attempts += 1
            do {
                task.detail = try await work(task)
                task.state = .succeeded
                task.error = nil
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

    /// Remembers which task holds a subject back, so the run that sends it marks that task; an
    /// earlier task holding the same subject is settled as superseded.
    func recordWaiting(_ task: ReplicationTask, rule: ReplicationRule) async {
        let key = Self.waitingKey(rule.name, task.repository, task.digest)
        let value = Self.executionKey(task.execution) + Self.executionKey(Int64(task.id))
        await settleWaiting(key, as: .skipped, except: (task.execution, task.id), holdingNext: value) {
            "superseded by task \(task.id) of execution \(task.execution) (\($0 ?? "was waiting"))"
        }
    }

    /// Marks the task that held `subject` back as succeeded by `sender`, and forgets it.
    func resolveWaiting(_ subject: Subject, rule: ReplicationRule, sentBy sender: ReplicationTask) async {
        let key = Self.waitingKey(rule.name, subject.repository.value, subject.digest.description)
        await settleWaiting(key, as: .succeeded, except: (sender.execution, sender.id)) {
            "sent by execution \(sender.execution) (\($0 ?? "was waiting"))"
        }
    }

    /// Settles the task holding `key` back (unless it is `except`): its record and its ended
    /// execution's totals change in the same write that forgets the hold, or that records
    /// `holdingNext` (the task now holding it) in its place.
    func settleWaiting(_ key: [UInt8], as state: ReplicationTask.State, except: (Int64, Int)? = nil,
                       holdingNext next: [UInt8]? = nil, detail: @escaping @Sendable (String?) -> String) async {
        let now = registry.configuration.clock.now()
        try? await registry.index.write { txn in
            defer { if let next { try? txn.putReplicationRecord(.waiting, key, next) } }
            guard let stored = try txn.replicationRecord(.waiting, key), stored.count == 16 else { return }
            var reader = BinaryReader(stored)
            let execution = try reader.i64()
            let number = Int(try reader.i64())
            if let except, except.0 == execution, except.1 == number { return }
            _ = try txn.removeReplicationRecord(.waiting, key)
            let taskKey = Self.taskKey(execution, number)
            guard let bytes = try txn.replicationRecord(.task, taskKey),
                  var task = try? JSONDecoder().decode(ReplicationTask.self, from: Data(bytes)), task.state == .waiting else { return }
            task.state = state
            task.endedAt = now
            task.detail = detail(task.detail)
            try txn.putReplicationRecord(.task, taskKey, Array(try JSONEncoder().encode(task)))
            // A running execution counts its own tasks when it ends.
            let executionKey = Self.executionKey(execution)
            if let record = try txn.replicationRecord(.execution, executionKey),
               var held = try? JSONDecoder().decode(ReplicationExecution.self, from: Data(record)), held.state != .running, held.waiting > 0 {
                held.waiting -= 1
                if state == .succeeded { held.succeeded += 1 } else { held.skipped += 1 }
                try txn.putReplicationRecord(.execution, executionKey, Array(try JSONEncoder().encode(held)))
            }
        }
    }
}
