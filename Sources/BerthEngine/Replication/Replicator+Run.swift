import BerthModel
import Foundation
import Synchronization

/// Running a rule: select its subjects at the source, plan each with its tree, send the plans
/// with the rule's concurrency, record every task and the execution's totals.
extension Replicator {
    /// A subject a rule selected: its repository, digest and the tags that travel with it.
    public struct Subject: Sendable, Equatable {
        /// The source repository.
        public let repository: RepositoryName
        /// The subject's digest.
        public let digest: Digest
        /// Its tags the rule's filter selects.
        public let tags: [Tag]
    }

    /// Starts a run of `rule` and returns its execution as it starts; the run goes on in the
    /// background (follow it with `execution(_:)` and `tasks(of:)`).
    public func start(rule name: String, trigger: String = "manual", dryRun: Bool = false,
                      by actor: AuditActor) async throws(RegistryError) -> ReplicationExecution {
        let (rule, execution) = try await begin(rule: name, trigger: trigger, dryRun: dryRun, by: actor)
        // Registered before it can end, so its own removal always finds it.
        background.withLock { runs in
            runs[execution.id] = Task {
                await self.finish(rule, execution, by: actor)
                _ = self.background.withLock { $0.removeValue(forKey: execution.id) }
            }
        }
        return execution
    }

    /// Runs `rule` to its end and returns its execution.
    public func run(rule name: String, trigger: String = "manual", dryRun: Bool = false,
                    by actor: AuditActor) async throws(RegistryError) -> ReplicationExecution {
        let (rule, execution) = try await begin(rule: name, trigger: trigger, dryRun: dryRun, by: actor)
        return await finish(rule, execution, by: actor)
    }

    /// The subjects `rule` selects at `source`: repositories matching its filter, and in each
    /// the manifests tagged with a tag matching its tag filter, with those tags. Tags that
    /// name accessories (cosign's tag scheme, the referrers tag schema) never select a subject:
    /// accessories follow their subject.
    public func subjects(of rule: ReplicationRule, at source: any ReplicationSource) async throws -> [Subject] {
        var subjects: [Subject] = []
        for repository in try await source.repositories() where rule.repositories.matches(repository.value) {
            var tagsByDigest: [Digest: [Tag]] = [:]
            var order: [Digest] = []
            for (tag, digest) in try await source.taggedManifests(in: repository) {
                guard rule.selectsSubject(taggedWith: tag) else { continue }
                if tagsByDigest[digest] == nil { order.append(digest) }
                tagsByDigest[digest, default: []].append(tag)
            }
            subjects += order.map { Subject(repository: repository, digest: $0, tags: tagsByDigest[$0] ?? []) }
        }
        return subjects
    }

    func begin(rule name: String, trigger: String, dryRun: Bool,
                       by actor: AuditActor) async throws(RegistryError) -> (ReplicationRule, ReplicationExecution) {
        guard let rule = settings.rule(name) else { throw .invalidPolicy("no rule is named \(name.debugDescription)") }
        guard rule.enabled || trigger == "manual" else { throw .invalidPolicy("rule \(name) is disabled") }
        guard settings.endpoint(rule.endpoint) != nil else { throw .invalidPolicy("rule \(name): no endpoint \(rule.endpoint)") }
        let id = lastExecution.withLock { last -> Int64 in
            last += 1
            return last
        }
        let execution = ReplicationExecution(id: id, rule: rule.name, trigger: trigger, dryRun: dryRun, startedAt: registry.configuration.clock.now())
        live.withLock { $0[id] = execution }
        do throws(RegistryError) {
            try await save(execution)
        } catch {
            _ = live.withLock { $0.removeValue(forKey: id) }
            throw error
        }
        await pruneHistory(before: id - Int64(keptExecutions) + 1)
        await registry.access.audit(AuditEvent(actor: actor.name, action: "replication",
                                               detail: "rule \(rule.name) run \(id) started (\(trigger)\(dryRun ? ", dry run" : ""))"))
        return (rule, execution)
    }

    /// One unit of an execution: copy a subject's tree, delete manifests at the destination,
    /// or note a subject held back (event runs).
    enum Job: Sendable {
        /// Send the subject with everything it needs and everything that belongs to it.
        case copy(Subject)
        /// Delete these manifests (deepest accessory first) at the destination; `below`, the
        /// subject the deleted manifest hung from.
        case delete(Subject, removed: [Digest], below: Digest?)
        /// Record the subject as waiting, for this reason.
        case hold(Subject, reason: String)
        /// Delete the subject's tags (`Subject.tags`) at the destination, the manifest kept.
        case untag(Subject)

        var subject: Subject {
            switch self {
            case .copy(let subject), .delete(let subject, _, _), .hold(let subject, _), .untag(let subject): subject
            }
        }
    }

    /// Runs the execution's tasks (`jobs`, or for a manual or scheduled run every subject the
    /// rule selects at the source) and records how it ended.
    @discardableResult
    func finish(_ rule: ReplicationRule, _ started: ReplicationExecution, by actor: AuditActor,
                jobs given: [Job]? = nil) async -> ReplicationExecution {
        let id = started.id
        var execution = started
        do {
            guard let endpoint = settings.endpoint(rule.endpoint) else { throw ReplicationFailure.missing("no endpoint \(rule.endpoint)") }
            let remote = try await transport.peer(for: endpoint, credential: credentials.credential(for: endpoint.name))
            let local = LocalReplicationPeer(registry: registry, actor: "replication:\(rule.name)")
            let source: any ReplicationSource = rule.mode == .push ? local : remote
            let destination: any ReplicationDestination = rule.mode == .push ? remote : local
            let jobs: [Job]
            if let given {
                jobs = given
            } else {
                jobs = try await self.subjects(of: rule, at: source).map(Job.copy)
            }
            var tasks: [ReplicationTask] = []
            for (number, job) in jobs.enumerated() {
                let subject = job.subject
                let target = try rule.destination(of: subject.repository)
                var task = ReplicationTask(execution: id, id: number + 1, repository: subject.repository.value, destination: target.value,
                                           digest: subject.digest.description, tags: subject.tags.map(\.value))
                if case .delete = job { task.action = .delete }
                if case .untag = job { task.action = .untag }
                tasks.append(task)
            }
            update(id) { $0.tasks = tasks.count }
            try await save(current(id) ?? execution, tasks: tasks)
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                func launch() {
                    // Stopped (a shutdown): the tasks not started stay `pending` in the record.
                    guard next < tasks.count, !Task.isCancelled else { return }
                    let task = tasks[next]
                    let job = jobs[next]
                    next += 1
                    group.addTask {
                        switch job {
                        case .copy(let subject):
                            await self.perform(task, subject: subject, rule: rule, source: source, destination: destination,
                                               holdUnsigned: given != nil)
                        case .delete(_, let removed, let below):
                            await self.performDelete(task, removed: removed, below: below, rule: rule, source: source, destination: destination)
                        case .hold(_, let reason):
                            await self.hold(task, reason: reason, rule: rule)
                        case .untag(let subject):
                            await self.performUntag(task, tags: subject.tags, destination: destination)
                        }
                    }
                }
                for _ in 0..<min(rule.concurrency, tasks.count) { launch() }
                while try await group.next() != nil { launch() }
            }
            execution = current(id) ?? execution
            execution.state = Task.isCancelled ? .stopped : (execution.failed > 0 ? .failed : .succeeded)
        } catch {
            execution = current(id) ?? execution
            execution.state = Task.isCancelled ? .stopped : .failed
            execution.error = Self.describe(error)
        }
        execution.endedAt = registry.configuration.clock.now()
        try? await save(execution)
        _ = live.withLock { $0.removeValue(forKey: id) }
        if !execution.dryRun && given == nil { await recordRun(of: rule.name, at: execution.startedAt) }
        await registry.access.audit(AuditEvent(
            actor: actor.name, action: "replication",
            detail: "rule \(rule.name) run \(id) \(execution.state.rawValue): \(execution.succeeded) done, \(execution.failed) failed, \(execution.skipped) skipped, \(execution.waiting) waiting, \(execution.bytesDone) bytes"))
        return execution
    }

    /// One task: plan the subject's tree, check its signing, send it; tried up to
    /// `maximumAttempts` times, pausing longer after each failure.
    /// `holdUnsigned` (event runs): a subject `signedOnly` refuses ends `waiting`, not
    /// `skipped`, and is sent when its first signature's event arrives.
    func perform(_ planned: ReplicationTask, subject: Subject, rule: ReplicationRule,
                 source: any ReplicationSource, destination: any ReplicationDestination, holdUnsigned: Bool = false) async {
        var task = planned
        task.state = .running
        task.startedAt = registry.configuration.clock.now()
        let executionID = task.execution
        var counted = false
        while task.attempts < maximumAttempts && !Task.isCancelled {
            task.attempts += 1
            do {
                let plan = try await ReplicationPlan.build(subject: subject.digest, tags: subject.tags, in: subject.repository, from: source)
                if !counted {
                    counted = true
                    task.artifacts = plan.artifacts
                    task.bytes = plan.bytes
                    update(executionID) {
                        $0.artifacts += plan.artifacts
                        $0.bytes += plan.bytes
                    }
                }
                if let reason = try await unsignedReason(subject, plan: plan, rule: rule) {
                    task.state = holdUnsigned ? .waiting : .skipped
                    task.detail = reason
                    break
                }
                if current(executionID)?.dryRun == true {
                    task.state = .skipped
                    task.detail = "dry run: would send \(plan.artifacts) manifests, \(plan.bytes) bytes"
                    break
                }
                let transfer = ReplicationTransfer(source: source, destination: destination, sourceRepository: subject.repository,
                                                   destinationRepository: try RepositoryName(parsing: task.destination), conflict: rule.conflict,
                                                   schemaGate: schemaGate(rule.mode == .push ? rule.endpoint : "", task.destination))
                let sent = Counter()
                let outcome = try await transfer.send(plan) { bytes in
                    sent.add(bytes)
                    self.update(executionID) { $0.bytesDone += bytes }
                }
                task.bytesDone = sent.value
                update(executionID) { $0.artifactsDone += outcome.artifacts }
                if !outcome.keptTags.isEmpty && outcome.keptTags.count == subject.tags.count {
                    task.state = .skipped
                    task.detail = "the destination's tags \(outcome.keptTags.map(\.value).joined(separator: ", ")) name another manifest (conflict: skip)"
                } else {
                    task.state = .succeeded
                    if !outcome.keptTags.isEmpty { task.detail = "kept the destination's \(outcome.keptTags.map(\.value).joined(separator: ", "))" }
                }
                task.error = nil
                break
            } catch {
                task.state = .failed
                task.error = Self.describe(error)
                if task.attempts < maximumAttempts {
                    try? await Task.sleep(for: retryDelay * (1 << (task.attempts - 1)))
                }
            }
        }
        if task.attempts == 0 {
            task.state = .failed
            task.error = "the run stopped before this task started; the next run sends it"
        }
        if task.state == .waiting { await recordWaiting(task, rule: rule) }
        if task.state == .succeeded { await resolveWaiting(subject, rule: rule, sentBy: task) }
        await end(task)
    }

    /// Records how a task ended, in its execution's totals and in the index.
    func end(_ ended: ReplicationTask) async {
        var task = ended
        task.endedAt = registry.configuration.clock.now()
        let state = task.state
        update(task.execution) { execution in
            switch state {
            case .succeeded: execution.succeeded += 1
            case .skipped: execution.skipped += 1
            case .waiting: execution.waiting += 1
            default: execution.failed += 1
            }
        }
        if let execution = current(task.execution) { try? await save(execution, tasks: [task]) }
    }

    /// Why a subject may not go yet under the rule's `signedOnly` (nil: it may). At this
    /// registry (push) the engine's own rules decide (`Registry.isSigned`,
    /// `hasVerifiedSignature`); from an endpoint (pull), the plan's accessories as
    /// `AccessoryClassifier` types them.
    private func unsignedReason(_ subject: Subject, plan: ReplicationPlan, rule: ReplicationRule) async throws -> String? {
        switch rule.signedOnly {
        case .off:
            return nil
        case .present:
            let signed = rule.mode == .push ? try registry.isSigned(subject.digest, in: subject.repository) : plan.carriesSignature
            return signed ? nil : "not signed (signedOnly: present)"
        case .verified:
            guard rule.mode == .push else {
                // Rule validation refuses this combination; kept exhaustive.
                return "signedOnly: verified applies to push rules"
            }
            return try await registry.hasVerifiedSignature(subject.digest, in: subject.repository) ? nil : "no signature verifies against a trusted key (signedOnly: verified)"
        }
    }

    func update(_ id: Int64, _ change: (inout ReplicationExecution) -> Void) {
        live.withLock { running in
            if var execution = running[id] {
                change(&execution)
                running[id] = execution
            }
        }
    }

    func current(_ id: Int64) -> ReplicationExecution? { live.withLock { $0[id] } }

    static func describe(_ error: any Error) -> String {
        if let failure = error as? ReplicationFailure { return failure.description }
        if let registryError = error as? RegistryError { return registryError.description }
        return String(describing: error)
    }

    /// Removes the executions older than `first` (ids below it) with their tasks, a few at a
    /// time (each run removes what the one before it left).
    func pruneHistory(before first: Int64) async {
        guard first > 1, let oldest = try? registry.index.replicationRecords(.execution, prefix: [], newestFirst: false, limit: 16) else { return }
        let ids = oldest.compactMap { record -> Int64? in
            var reader = BinaryReader(record.key)
            return (try? reader.i64()).flatMap { $0 < first ? $0 : nil }
        }
        guard !ids.isEmpty else { return }
        let taskKeys = ids.flatMap { id in
            ((try? registry.index.replicationRecords(.task, prefix: Self.executionKey(id), newestFirst: false, limit: Int.max)) ?? []).map(\.key)
        }
        try? await registry.index.write { txn in
            for id in ids { _ = try txn.removeReplicationRecord(.execution, Self.executionKey(id)) }
            for key in taskKeys { _ = try txn.removeReplicationRecord(.task, key) }
        }
    }

    // MARK: Schedule

    /// When a rule's last run (not a dry run) started, as the index recorded it.
    public func lastRun(of rule: String) -> Date? {
        guard let stored = try? registry.index.replicationRecord(.ruleState, Array(rule.utf8)), stored.count == 8 else { return nil }
        var reader = BinaryReader(stored)
        return (try? reader.i64()).map(Date.init(millisecondsSince1970:))
    }

    private func recordRun(of rule: String, at date: Date) async {
        var value = BinaryWriter(capacity: 8)
        value.i64(date.millisecondsSince1970)
        let bytes = value.bytes
        try? await registry.index.write { txn in try txn.putReplicationRecord(.ruleState, Array(rule.utf8), bytes) }
    }

    /// The scheduled rules due at `now`: enabled, not running, and whose interval has passed
    /// since the last run the index recorded (so restarts do not postpone them; a recorded
    /// time in the future, after the clock was set back, counts as due).
    public func dueScheduledRules(at now: Date) -> [String] {
        let running = Set(live.withLock { $0.values.map(\.rule) })
        return settings.rules.filter { rule in
            guard rule.enabled, rule.trigger.kind == .scheduled, let interval = rule.trigger.intervalSeconds,
                  !running.contains(rule.name) else { return false }
            guard let last = lastRun(of: rule.name) else { return true }
            let elapsed = now.timeIntervalSince(last)
            return elapsed < 0 || elapsed >= Double(interval)
        }.map(\.name)
    }

    /// Starts every scheduled rule that is due (the server's schedule calls this).
    public func runDueSchedules() async {
        for name in dueScheduledRules(at: registry.configuration.clock.now()) {
            _ = try? await start(rule: name, trigger: "scheduled", by: .scheduler)
        }
    }
}

/// A byte count added to from the transfer's progress calls.
private final class Counter: Sendable {
    private let total = Mutex<Int64>(0)
    func add(_ bytes: Int64) { total.withLock { $0 += bytes } }
    var value: Int64 { total.withLock { $0 } }
}
