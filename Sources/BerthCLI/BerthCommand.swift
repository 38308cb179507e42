import ArgumentParser

/// The `berth` command: a small OCI registry and the tools to look after its data root.
public struct BerthCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "Berth: a small, fast OCI container registry.",
        discussion: "Every subcommand works on a data root (--root, default ./berth-data).",
        subcommands: [ServeCommand.self, FsckCommand.self])

    public init() {}
}
