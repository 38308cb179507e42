import ArgumentParser

/// The `berth` command: a small OCI registry and the tools to look after its data root.
public struct BerthCommand: AsyncParsableCommand {
    /// The command's name, help and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "Berth: a small, fast OCI container registry.",
        discussion: "Every subcommand works on a data root (--root, default ./berth-data).",
        subcommands: [ServeCommand.self, FsckCommand.self, ArtifactsCommand.self, AccessoriesCommand.self, TrustCommand.self,
                      GCCommand.self, RetentionCommand.self, PolicyCommand.self, UserCommand.self,
                      ProjectCommand.self, MemberCommand.self, AuditCommand.self, ReplicationCommand.self])

    /// The command, as ArgumentParser makes it.
    public init() {}

    /// Parses the process's arguments and runs the chosen subcommand, exiting as it says.
    ///
    /// Spelled out rather than `main()`: from a `main.swift` the synchronous `main()` of
    /// `ParsableCommand` wins overload resolution and refuses an async root command.
    public static func runFromCommandLine() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
