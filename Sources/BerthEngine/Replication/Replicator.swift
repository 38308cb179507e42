import BerthModel
import Foundation
import Synchronization

/// Replication, written once: its endpoints and rules (validated, audited, secrets kept in
/// the owner-only credentials file), its runs (manual, scheduled) and their records. The admin
/// API, the CLI and the server's schedule all go through it. What travels is
/// `ReplicationPlan`'s rule; how it is sent, `ReplicationTransfer`'s; the other side is reached
/// through a `ReplicationTransport`.
public final class Replicator<Store: BlobStore>: Sendable {
    /// The registry replicated from (push) or into (pull).
    public let registry: Registry<Store>
    /// How endpoints are reached.
    public let transport: any ReplicationTransport
    /// The endpoints' secrets.
    public let credentials: ReplicationCredentials
    /// How many times a task is tried before it ends `failed`.
    public let maximumAttempts: Int
    /// The pause before a task's second attempt (doubled for each further one).
    public let retryDelay: Duration
    /// How many executions (with their tasks) the history keeps; older ones are removed as new
    /// ones start.
    public let keptExecutions: Int
    let settingsCache: Mutex<ReplicationSettings>
    let lastExecution: Mutex<Int64>
    /// Executions running in this process, with their live totals.
    let live = Mutex<[Int64: ReplicationExecution]>([:])
    /// The background runs `start` made, so `shutdown` can stop them.
    let background = Mutex<[Int64: Task<Void, Never>]>([:])
    /// Changes of endpoints and rules, one at a time (each reads the settings, writes, stores).
    let settingsGate = SerialGate()
    /// One gate per destination repository (endpoint and repository) for the referrers tag
    /// schema's read-change-write.
    let schemaGates = Mutex<[String: SerialGate]>([:])

    /// The gate of the referrers tag schema of `repository` at `endpoint`.
    func schemaGate(_ endpoint: String, _ repository: String) -> SerialGate {
        schemaGates.withLock { gates in
            if let gate = gates["\(endpoint) \(repository)"] { return gate }
            let gate = SerialGate()
            gates["\(endpoint) \(repository)"] = gate
            return gate
        }
    }
    /// The rules whose outbox drain is going on (one at a time a rule).
    let drainingRules = Mutex<Set<String>>([])
    /// The background drains `startOutboxDrains` made, so `shutdown` can stop them.
    let drains = Mutex<[String: Task<Void, Never>]>([:])

    /// Replication on `registry`: loads its settings and credentials, and marks executions a
    /// crash or a shutdown left `running` as `stopped` (the next run completes them).
    public init(registry: Registry<Store>, transport: any ReplicationTransport, maximumAttempts: Int = 3,
                retryDelay: Duration = .milliseconds(500), keptExecutions: Int = 1000) async throws(RegistryError) {
        self.registry = registry
        self.transport = transport
        self.keptExecutions = max(1, keptExecutions)
        self.maximumAttempts = max(1, maximumAttempts)
        self.retryDelay = retryDelay
        let layout = registry.layout
        // The file is read (and later written, with its fsyncs) on the I/O threads.
        self.credentials = try await registry.io { try ReplicationCredentials(layout: layout) }
        let settings: ReplicationSettings
        do {
            settings = try registry.index.setting(ReplicationSettings.settingName).map {
                try JSONDecoder().decode(ReplicationSettings.self, from: Data($0))
            } ?? ReplicationSettings()
        } catch {
            throw .storage("the stored replication settings do not decode: \(error)")
        }
        self.settingsCache = Mutex(settings)
        let newest = try RegistryError.wrapping {
            try registry.index.replicationRecords(.execution, prefix: [], newestFirst: true, limit: 1).first
        }
        self.lastExecution = Mutex(newest.flatMap { try? JSONDecoder().decode(ReplicationExecution.self, from: Data($0.value)).id } ?? 0)
        if !registry.configuration.readOnly {
            try await stopInterruptedExecutions()
            try configureOutbox()
        }
    }

    /// Stops the runs going on in the background between two of their steps (each ends
    /// `stopped`; the next run completes what they left) and waits for them.
    public func shutdown() async {
        let runs = background.withLock { $0 }
        let draining = drains.withLock { $0 }
        for run in runs.values { run.cancel() }
        for drain in draining.values { drain.cancel() }
        for run in runs.values { await run.value }
        for drain in draining.values { await drain.value }
    }

    /// The endpoints and rules in force.
    public var settings: ReplicationSettings { settingsCache.withLock { $0 } }

    // MARK: Endpoints and rules

    /// Adds or replaces an endpoint. `password` sets its secret (nil keeps the one stored, an
    /// empty string removes it). `.invalidPolicy` names the field when the document is wrong.
    @discardableResult
    public func setEndpoint(_ endpoint: ReplicationEndpoint, password: String?, by actor: AuditActor) async throws(RegistryError) -> ReplicationEndpoint {
        try await oneAtATime { () async throws(RegistryError) in try await self.setEndpointNow(endpoint, password: password, by: actor) }
    }

    private func setEndpointNow(_ endpoint: ReplicationEndpoint, password: String?, by actor: AuditActor) async throws(RegistryError) -> ReplicationEndpoint {
        var settings = self.settings
        settings.endpoints.removeAll { $0.name == endpoint.name }
        settings.endpoints.append(endpoint)
        settings.endpoints.sort { $0.name < $1.name }
        try check(settings)
        if let password {
            if password.isEmpty {
                try await storeSecret(nil, for: endpoint.name)
            } else {
                guard let username = endpoint.username else { throw .invalidPolicy("endpoint \(endpoint.name): password: needs a username") }
                try await storeSecret(ReplicationCredential(username: username, password: password), for: endpoint.name)
            }
        } else if let stored = credentials.credential(for: endpoint.name), let username = endpoint.username, stored.username != username {
            // The secret belongs to the account: a new account keeps the password only if told so.
            try await storeSecret(ReplicationCredential(username: username, password: stored.password), for: endpoint.name)
        }
        try await store(settings)
        await registry.access.audit(AuditEvent(actor: actor.name, action: "replication", detail: "endpoint \(endpoint.name) set"))
        return endpoint
    }

    /// Removes an endpoint and its secret; refused while a rule names it.
    public func removeEndpoint(_ name: String, by actor: AuditActor) async throws(RegistryError) {
        try await oneAtATime { () async throws(RegistryError) in try await self.removeEndpointNow(name, by: actor) }
    }

    private func removeEndpointNow(_ name: String, by actor: AuditActor) async throws(RegistryError) {
        var settings = self.settings
        guard settings.endpoint(name) != nil else { throw .invalidPolicy("no endpoint is named \(name.debugDescription)") }
        if let rule = settings.rules.first(where: { $0.endpoint == name }) {
            throw .invalidPolicy("endpoint \(name) is used by rule \(rule.name); remove or change the rule first")
        }
        settings.endpoints.removeAll { $0.name == name }
        try await store(settings)
        try await storeSecret(nil, for: name)
        await registry.access.audit(AuditEvent(actor: actor.name, action: "replication", detail: "endpoint \(name) removed"))
    }

    /// Writes an endpoint's secret durably, on the I/O threads.
    private func storeSecret(_ credential: ReplicationCredential?, for endpoint: String) async throws(RegistryError) {
        let credentials = credentials
        try await registry.io { try credentials.set(credential, for: endpoint) }
    }

    /// Whether an endpoint has a secret stored (documents show this, never the secret).
    public func hasSecret(_ endpoint: String) -> Bool { credentials.credential(for: endpoint) != nil }

    /// Adds or replaces a rule (`.invalidPolicy` names the field when it is wrong).
    @discardableResult
    public func setRule(_ rule: ReplicationRule, by actor: AuditActor) async throws(RegistryError) -> ReplicationRule {
        try await oneAtATime { () async throws(RegistryError) in try await self.setRuleNow(rule, by: actor) }
    }

    private func setRuleNow(_ rule: ReplicationRule, by actor: AuditActor) async throws(RegistryError) -> ReplicationRule {
        var settings = self.settings
        settings.rules.removeAll { $0.name == rule.name }
        settings.rules.append(rule)
        settings.rules.sort { $0.name < $1.name }
        try check(settings)
        if rule.signedOnly == .verified && registry.policies.trustedKeys.isEmpty {
            throw .invalidPolicy("rule \(rule.name): signedOnly: verified needs at least one trusted key in the policies")
        }
        try await store(settings)
        try await startCursor(of: rule)
        await registry.access.audit(AuditEvent(actor: actor.name, action: "replication", detail: "rule \(rule.name) set"))
        return rule
    }

    /// Removes a rule (its executions stay in the history).
    public func removeRule(_ name: String, by actor: AuditActor) async throws(RegistryError) {
        try await oneAtATime { () async throws(RegistryError) in try await self.removeRuleNow(name, by: actor) }
    }

    private func removeRuleNow(_ name: String, by actor: AuditActor) async throws(RegistryError) {
        var settings = self.settings
        guard settings.rule(name) != nil else { throw .invalidPolicy("no rule is named \(name.debugDescription)") }
        settings.rules.removeAll { $0.name == name }
        try await store(settings)
        let key = Array(name.utf8)
        try await RegistryError.wrapping { try await registry.index.write { txn in _ = try txn.removeReplicationRecord(.cursor, key) } }
        await registry.access.audit(AuditEvent(actor: actor.name, action: "replication", detail: "rule \(name) removed"))
    }

    /// Runs a change of the settings while no other runs (each reads them, writes, stores).
    private func oneAtATime<T: Sendable>(_ change: () async throws(RegistryError) -> T) async throws(RegistryError) -> T {
        await settingsGate.enter()
        do {
            let result = try await change()
            await settingsGate.leave()
            return result
        } catch {
            await settingsGate.leave()
            throw error
        }
    }

    private func check(_ settings: ReplicationSettings) throws(RegistryError) {
        let problems = settings.problems
        if !problems.isEmpty { throw .invalidPolicy(problems.joined(separator: "; ")) }
    }

    private func store(_ settings: ReplicationSettings) async throws(RegistryError) {
        let bytes: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            bytes = Array(try encoder.encode(settings))
        } catch {
            throw .storage("cannot encode the replication settings: \(error)")
        }
        try await RegistryError.wrapping { try await registry.index.setSetting(ReplicationSettings.settingName, bytes) }
        settingsCache.withLock { $0 = settings }
        try configureOutbox()
    }

    // MARK: Records

    /// The newest `limit` executions, newest first, of one rule or all; running ones with
    /// their live totals.
    public func executions(rule: String? = nil, limit: Int = 50) throws(RegistryError) -> [ReplicationExecution] {
        let running = live.withLock { $0 }
        let decoder = JSONDecoder()
        var found: [ReplicationExecution] = []
        // Scanned newest first; a filter by rule reads past other rules' runs, within the
        // newest 10 000 executions (a bound on one answer's work, whatever the history holds).
        let records = try RegistryError.wrapping {
            try registry.index.replicationRecords(.execution, prefix: [], newestFirst: true, limit: rule == nil ? limit : max(limit, 10_000))
        }
        for record in records {
            guard var execution = try? decoder.decode(ReplicationExecution.self, from: Data(record.value)) else { continue }
            if let rule, execution.rule != rule { continue }
            if let current = running[execution.id] { execution = current }
            found.append(execution)
            if found.count >= limit { break }
        }
        return found
    }

    /// One execution, or nil.
    public func execution(_ id: Int64) throws(RegistryError) -> ReplicationExecution? {
        if let running = live.withLock({ $0[id] }) { return running }
        guard let bytes = try RegistryError.wrapping({ try registry.index.replicationRecord(.execution, Self.executionKey(id)) }) else { return nil }
        return try? JSONDecoder().decode(ReplicationExecution.self, from: Data(bytes))
    }

    /// The tasks of an execution, in their order.
    public func tasks(of execution: Int64) throws(RegistryError) -> [ReplicationTask] {
        let decoder = JSONDecoder()
        return try RegistryError.wrapping {
            try registry.index.replicationRecords(.task, prefix: Self.executionKey(execution), newestFirst: false, limit: Int.max)
        }.compactMap { try? decoder.decode(ReplicationTask.self, from: Data($0.value)) }
    }

    static func executionKey(_ id: Int64) -> [UInt8] {
        var w = BinaryWriter(capacity: 8)
        w.i64(id)
        return w.bytes
    }

    static func taskKey(_ execution: Int64, _ task: Int) -> [UInt8] {
        var w = BinaryWriter(capacity: 12)
        w.i64(execution)
        w.u32(UInt32(task))
        return w.bytes
    }

    /// Marks the executions a crash or shutdown left `running` as `stopped`.
    private func stopInterruptedExecutions() async throws(RegistryError) {
        let decoder = JSONDecoder()
        let records = try RegistryError.wrapping { try registry.index.replicationRecords(.execution, prefix: [], newestFirst: true, limit: 1000) }
        for record in records {
            guard var execution = try? decoder.decode(ReplicationExecution.self, from: Data(record.value)), execution.state == .running else { continue }
            execution.state = .stopped
            execution.endedAt = registry.configuration.clock.now()
            execution.error = "the server stopped during the run; the next run completes it"
            try await save(execution)
        }
    }

    func save(_ execution: ReplicationExecution, tasks: [ReplicationTask] = []) async throws(RegistryError) {
        let encoder = JSONEncoder()
        let key = Self.executionKey(execution.id)
        let value: [UInt8]
        let taskValues: [([UInt8], [UInt8])]
        do {
            value = Array(try encoder.encode(execution))
            taskValues = try tasks.map { (Self.taskKey($0.execution, $0.id), Array(try encoder.encode($0))) }
        } catch {
            throw .storage("cannot encode a replication record: \(error)")
        }
        try await RegistryError.wrapping {
            try await registry.index.write { txn in
                try txn.putReplicationRecord(.execution, key, value)
                for (taskKey, taskValue) in taskValues { try txn.putReplicationRecord(.task, taskKey, taskValue) }
            }
        }
    }
}
