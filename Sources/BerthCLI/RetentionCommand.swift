import ArgumentParser

/// `berth retention`: applies the retention rules.
struct RetentionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Apply the retention rules: remove the tags they do not keep, and manifests left untagged with their accessories.")

    @Flag(name: .long, help: "Report what would go; change nothing.")
    var dryRun = false

    @OptionGroup var options: AdminOptions

    func run() async throws {
        try await withAdminBackend(options) { backend in
            let report = try await backend.runRetention(dryRun: dryRun)
            if options.json {
                print(Formatting.json(report))
                return
            }
            for tag in report.tags { print("tag \(tag)") }
            for manifest in report.manifests { print("manifest \(manifest)") }
            for kept in report.protected { print("kept (immutable) \(kept)") }
            print("\(dryRun ? "would remove" : "removed") \(report.tags.count) tag(s), \(report.manifests.count) manifest(s)")
        }
    }
}
