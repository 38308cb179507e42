import ArgumentParser

/// `berth gc`: garbage collection, online through a server or directly on an unlocked root.
struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Collect garbage: unreferenced blobs, and with the untagged rule old untagged manifests with their accessories.",
        discussion: "Tagged manifests, their children and their accessories are always kept. Without --untagged / --no-untagged the policy's setting applies (off by default).")

    @Flag(name: .long, help: "Report what would go (counts and bytes); change nothing.")
    var dryRun = false

    @Flag(inversion: .prefixedNo, help: "Collect untagged manifests older than the policy's grace.")
    var untagged: Bool?

    @OptionGroup var options: AdminOptions

    func run() async throws {
        try await withAdminBackend(options) { backend in
            let report = try await backend.collectGarbage(dryRun: dryRun, untagged: untagged)
            if options.json {
                print(Formatting.json(report))
                return
            }
            let verb = dryRun ? "would remove" : "removed"
            for manifest in report.manifests { print("manifest \(manifest)") }
            for link in report.blobLinks { print("blob link \(link)") }
            for blob in report.blobs { print("blob \(blob)") }
            print("\(verb) \(report.manifests.count) manifest(s) (\(Formatting.size(report.manifestBytes))), \(report.blobLinks.count) blob link(s), \(report.blobs.count) blob(s) (\(Formatting.size(report.blobBytes)))")
        }
    }
}
