import ArgumentParser
import BerthEngine
import Foundation

/// `berth policy …`: shows and changes the rules and policies (kept in the index; a running
/// server applies a change at once).
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show or change rules and policies: immutability, retention, signed-only pulls, GC, trusted keys.",
        subcommands: [Show.self, Set.self, Immutable.self, Retain.self, SignedOnly.self, TrustKey.self, GC.self, Clear.self])

    /// Reads, changes and stores the policies through the backend; prints the result.
    static func change(_ options: AdminOptions, _ edit: @escaping (inout RegistryPolicies) throws -> Void) async throws {
        try await withAdminBackend(options) { backend in
            var policies = try await backend.policies()
            try edit(&policies)
            print(Formatting.json(try await backend.setPolicies(policies)))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the policies as JSON.")
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in print(Formatting.json(try await backend.policies())) }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace the policies with a JSON file (as `show` prints).")
        @Argument(help: "The JSON file.") var file: String
        @OptionGroup var options: AdminOptions
        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("berth: cannot read \(file)")
                throw ExitCode(2)
            }
            let policies: RegistryPolicies
            do { policies = try JSONDecoder().decode(RegistryPolicies.self, from: data) } catch {
                printError("berth: \(file) is not a policies document: \(error)")
                throw ExitCode(2)
            }
            try await PolicyCommand.change(options) { $0 = policies }
        }
    }

    struct Immutable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an immutability rule.")
        @Option(help: "Repositories (glob: *, **, ?).") var repositories: String
        @Option(help: "Tags (glob).") var tags: String
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await PolicyCommand.change(options) { $0.immutability.append(ImmutabilityRule(repositories: repositories, tags: tags)) }
        }
    }

    struct Retain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "retention", abstract: "Add a retention rule.")
        @Option(help: "Repositories (glob).") var repositories: String
        @Option(help: "Tags the rule covers (glob).") var tags: String = "**"
        @Option(name: .customLong("keep-latest"), help: "Keep this many most recently pushed tags.") var keepLatest: Int?
        @Option(name: .customLong("keep-days"), help: "Keep tags pushed within this many days.") var keepDays: Int?
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await PolicyCommand.change(options) {
                $0.retention.append(RetentionRule(repositories: repositories, tags: tags, keepLatest: keepLatest, keepWithinDays: keepDays))
            }
        }
    }

    struct SignedOnly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "signed-only", abstract: "Require signatures before pulls.")
        @Option(help: "Repositories (glob).") var repositories: String
        @Option(help: "present (any cosign or Notation signature) or verified (by a trusted key).") var level: String = "present"
        @OptionGroup var options: AdminOptions
        func run() async throws {
            guard let parsed = SignedOnlyPolicy.Level(rawValue: level) else {
                printError("berth: level must be present or verified")
                throw ExitCode(2)
            }
            try await PolicyCommand.change(options) { $0.signedOnly.append(SignedOnlyPolicy(repositories: repositories, level: parsed)) }
        }
    }

    struct TrustKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "trust-key", abstract: "Trust a public key (PEM) for verified policies.")
        @Option(help: "A name for the key.") var name: String
        @Option(help: "PEM public key file (e.g. cosign.pub).") var key: String
        @OptionGroup var options: AdminOptions
        func run() async throws {
            guard let pem = try? String(contentsOfFile: key, encoding: .utf8) else {
                printError("berth: cannot read \(key)")
                throw ExitCode(2)
            }
            try await PolicyCommand.change(options) { $0.trustedKeys.append(TrustedKey(name: name, publicKeyPEM: pem)) }
        }
    }

    struct GC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "gc", abstract: "Set how garbage collection runs.")
        @Option(help: "Collect untagged manifests: on or off.") var untagged: String?
        @Option(name: .customLong("untagged-grace"), help: "Age before the untagged rule applies, e.g. 24h.") var untaggedGrace: String?
        @Option(name: .customLong("blob-grace"), help: "Age before an unreferenced blob goes, e.g. 1h.") var blobGrace: String?
        @Option(help: "Run inside `berth serve` this often, e.g. 6h; `off` to stop.") var interval: String?
        @OptionGroup var options: AdminOptions
        func run() async throws {
            func seconds(_ text: String) throws -> Int { Int(try ServeSettings.parseDuration(text, allowZero: true).components.seconds) }
            try await PolicyCommand.change(options) { policies in
                if let untagged { policies.garbageCollection.collectUntagged = ["on", "true", "yes"].contains(untagged.lowercased()) }
                if let untaggedGrace { policies.garbageCollection.untaggedGraceSeconds = try seconds(untaggedGrace) }
                if let blobGrace { policies.garbageCollection.blobGraceSeconds = try seconds(blobGrace) }
                if let interval { policies.garbageCollection.intervalSeconds = interval == "off" ? nil : try seconds(interval) }
            }
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every rule of one kind: immutability, retention, signed-only or trusted-keys.")
        @Argument(help: "immutability, retention, signed-only or trusted-keys.") var kind: String
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await PolicyCommand.change(options) { policies in
                switch kind {
                case "immutability": policies.immutability = []
                case "retention": policies.retention = []
                case "signed-only": policies.signedOnly = []
                case "trusted-keys": policies.trustedKeys = []
                default: throw CLIError("unknown kind \(kind)")
                }
            }
        }
    }
}
