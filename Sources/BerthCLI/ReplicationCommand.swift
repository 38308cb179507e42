import ArgumentParser
import BerthEngine
import Foundation

/// `berth replication`: endpoints, rules, runs and their records.
struct ReplicationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replication",
        abstract: "Replicate artifacts with their signatures, SBOMs and attestations to or from other registries.",
        subcommands: [EndpointCommand.self, RuleCommand.self, Run.self, Executions.self, Tasks.self])

    struct EndpointCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "endpoint", abstract: "Registries to replicate with (secrets kept owner-only, never shown).",
            subcommands: [Set.self, List.self, Remove.self])

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set",
                abstract: "Add or change an endpoint; its password is read from BERTH_ENDPOINT_PASSWORD or, with --password-stdin, standard input.")
            @Argument var name: String
            @Option(name: .customLong("endpoint-url"), help: "The registry's base URL, e.g. https://registry.example.com.") var endpointURL: String
            @Option(name: .customLong("endpoint-username"), help: "The account to sign in with.") var endpointUsername: String?
            @Flag(name: .customLong("password-stdin"), help: "Read the endpoint's password from standard input.") var passwordStdin = false
            @Flag(help: "Allow plain HTTP.") var insecure = false
            @Flag(name: .customLong("no-verify-tls"), help: "Do not verify the endpoint's TLS certificate.") var noVerifyTLS = false
            @Option(name: .customLong("ca-file"), help: "PEM file of CA certificates for the endpoint.") var caFile: String?
            @OptionGroup var options: AdminOptions
            func run() async throws {
                var password = ProcessInfo.processInfo.environment["BERTH_ENDPOINT_PASSWORD"]
                if passwordStdin { password = readLine(strippingNewline: true) ?? "" }
                let change = AdminModels.ReplicationEndpointChange(url: endpointURL, username: endpointUsername, password: password,
                                                                   insecure: insecure, verifyTLS: !noVerifyTLS, caFile: caFile)
                try await withAdminBackend(options) { backend in
                    let view = try await backend.setReplicationEndpoint(name, change)
                    print("endpoint \(view.endpoint.name) \(view.endpoint.baseURL)\(view.hasPassword ? " (password stored)" : "")")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the endpoints (passwords redacted).")
            @OptionGroup var options: AdminOptions
            func run() async throws {
                try await withAdminBackend(options) { backend in
                    let views = try await backend.replicationEndpoints()
                    if options.json { return print(Formatting.json(views)) }
                    print(Formatting.table(["NAME", "URL", "USERNAME", "PASSWORD", "TLS"], views.map { view in
                        [view.endpoint.name, view.endpoint.baseURL, view.endpoint.username ?? "-", view.hasPassword ? "(redacted)" : "-",
                         view.endpoint.isPlainHTTP ? "none" : (view.endpoint.verifyTLS ? "verified" : "not verified")]
                    }))
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove an endpoint and its secret (refused while a rule names it).")
            @Argument var name: String
            @OptionGroup var options: AdminOptions
            func run() async throws {
                try await withAdminBackend(options) { backend in
                    try await backend.removeReplicationEndpoint(name)
                    print("removed endpoint \(name)")
                }
            }
        }
    }

    struct RuleCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rule", abstract: "What replicates where, and when.", subcommands: [Set.self, List.self, Remove.self])

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "set", abstract: "Add or replace a rule.")
            @Argument var name: String
            @Option(help: "push (to the endpoint) or pull (from it).") var mode: String
            @Option(help: "The endpoint's name.") var endpoint: String
            @Option(help: "Repositories (glob).") var repositories = "**"
            @Option(help: "Tags of the subjects (glob); accessories follow their subject.") var tags = "**"
            @Option(help: "Destination namespace.") var namespace: String?
            @Option(name: .customLong("namespace-mode"), help: "prefix or replaceFirst.") var namespaceMode = "prefix"
            @Option(name: .customLong("signed-only"), help: "off, present or verified.") var signedOnly = "off"
            @Option(help: "A different manifest under the tag at the destination: override or skip.") var conflict = "override"
            @Flag(name: .customLong("propagate-deletes"), help: "Replicate deletes too.") var propagateDeletes = false
            @Option(help: "manual, scheduled or event.") var trigger = "manual"
            @Option(help: "Seconds between scheduled runs.") var interval: Int?
            @Option(help: "Artifacts replicated at once.") var concurrency = 4
            @Flag(help: "Keep the rule but do not run it.") var disabled = false
            @OptionGroup var options: AdminOptions

            func run() async throws {
                func parse<T: RawRepresentable>(_ value: String, _ field: String) throws -> T where T.RawValue == String {
                    guard let parsed = T(rawValue: value) else { throw ValidationError("--\(field): \(value) is not one of the accepted values") }
                    return parsed
                }
                guard let triggerKind = ReplicationRule.Trigger.Kind(rawValue: trigger) else {
                    throw ValidationError("--trigger: manual, scheduled or event, not \(trigger)")
                }
                let rule = ReplicationRule(
                    name: name, mode: try parse(mode, "mode"), endpoint: endpoint, repositories: repositories, tags: tags,
                    namespace: namespace, namespaceMode: try parse(namespaceMode, "namespace-mode"), signedOnly: try parse(signedOnly, "signed-only"),
                    conflict: try parse(conflict, "conflict"), propagateDeletes: propagateDeletes,
                    trigger: ReplicationRule.Trigger(kind: triggerKind, intervalSeconds: interval), concurrency: concurrency, enabled: !disabled)
                try await withAdminBackend(options) { backend in
                    let stored = try await backend.setReplicationRule(rule)
                    print("rule \(stored.name): \(stored.mode.rawValue) \(stored.repositories):\(stored.tags) with \(stored.endpoint), \(stored.trigger.kind.rawValue)")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the rules.")
            @OptionGroup var options: AdminOptions
            func run() async throws {
                try await withAdminBackend(options) { backend in
                    let rules = try await backend.replicationRules()
                    if options.json { return print(Formatting.json(rules)) }
                    print(Formatting.table(["NAME", "MODE", "ENDPOINT", "REPOSITORIES", "TAGS", "SIGNED", "TRIGGER", "ENABLED"], rules.map { rule in
                        [rule.name, rule.mode.rawValue, rule.endpoint, rule.repositories.pattern, rule.tags.pattern, rule.signedOnly.rawValue,
                         rule.trigger.kind.rawValue + (rule.trigger.intervalSeconds.map { " \($0)s" } ?? ""), rule.enabled ? "yes" : "no"]
                    }))
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a rule (its executions stay).")
            @Argument var name: String
            @OptionGroup var options: AdminOptions
            func run() async throws {
                try await withAdminBackend(options) { backend in
                    try await backend.removeReplicationRule(name)
                    print("removed rule \(name)")
                }
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a rule now, showing its progress; exits 1 when a task failed.")
        @Argument var rule: String
        @Flag(name: .long, help: "Plan only: what would go, nothing sent.") var dryRun = false
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                let execution = try await backend.runReplication(rule, dryRun: dryRun) { progress in
                    printError("execution \(progress.id): \(progress.succeeded + progress.failed + progress.skipped)/\(progress.tasks) tasks, \(progress.artifactsDone)/\(progress.artifacts) artifacts, \(Formatting.size(progress.bytesDone))/\(Formatting.size(progress.bytes))")
                }
                if options.json { print(Formatting.json(execution)) } else { print(Self.summary(execution)) }
                if execution.state != .succeeded { throw ExitCode(1) }
            }
        }

        static func summary(_ execution: ReplicationExecution) -> String {
            "execution \(execution.id) \(execution.state.rawValue)\(execution.dryRun ? " (dry run)" : ""): \(execution.succeeded) succeeded, \(execution.failed) failed, \(execution.skipped) skipped, \(execution.waiting) waiting of \(execution.tasks) tasks; \(execution.artifactsDone)/\(execution.artifacts) artifacts, \(Formatting.size(execution.bytesDone))/\(Formatting.size(execution.bytes))"
                + (execution.error.map { "\nerror: \($0)" } ?? "")
        }
    }

    struct Executions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest executions, of one rule or all.")
        @Argument var rule: String?
        @Option(name: .customShort("n"), help: "How many.") var limit = 20
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                let executions = try await backend.replicationExecutions(rule: rule, limit: limit)
                if options.json { return print(Formatting.json(executions)) }
                print(Formatting.table(["ID", "RULE", "TRIGGER", "STARTED", "ENDED", "STATE", "TASKS", "DONE", "FAILED", "SKIPPED", "WAITING", "BYTES"], executions.map { e in
                    ["\(e.id)", e.rule, e.trigger + (e.dryRun ? " (dry run)" : ""), Formatting.date(e.startedAt), e.endedAt.map(Formatting.date) ?? "-",
                     e.state.rawValue, "\(e.tasks)", "\(e.succeeded)", "\(e.failed)", "\(e.skipped)", "\(e.waiting)", Formatting.size(e.bytesDone)]
                }))
            }
        }
    }

    struct Tasks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The tasks (one artifact each) of an execution, with their errors.")
        @Argument var execution: Int64
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                let tasks = try await backend.replicationTasks(execution)
                if options.json { return print(Formatting.json(tasks)) }
                print(Formatting.table(["ID", "REPOSITORY", "DESTINATION", "DIGEST", "TAGS", "STATE", "ATTEMPTS", "BYTES", "ERROR"], tasks.map { t in
                    ["\(t.id)", t.repository, t.destination, Formatting.short(t.digest), t.tags.joined(separator: ","), t.state.rawValue,
                     "\(t.attempts)", Formatting.size(t.bytesDone), t.error ?? t.detail ?? ""]
                }))
            }
        }
    }
}
