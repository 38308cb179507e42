import ArgumentParser
import BerthEngine
import Foundation

/// `berth fsck`: checks a data root; with `--repair`, fixes what is safe to fix.
struct FsckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck",
        abstract: "Check a data root: re-hash every blob, check every index entry and manifest reference.",
        discussion: """
        Prints one line per finding and exits 1 if any is damage, 0 when the root is clean.
        Harmless leftovers (blob-orphan, document-orphan, upload-orphan) are listed but do not
        fail the check; see Docs/crash-safety.md.
        Without --repair it only reads and may run beside a running server.
        With --repair it needs the root unlocked (stop the server): it moves corrupt blobs to
        quarantine/, removes orphaned upload and temporary files and index entries whose target
        is gone, and never removes anything a valid entry still references.
        """)

    @Option(name: .customLong("root"), help: "The data root (or BERTH_ROOT; default ./berth-data).")
    var rootOption: String?

    @Flag(name: .long, help: "Fix what can be fixed safely (needs the root unlocked).")
    var repair = false

    func run() async throws {
        let root = ServeSettings.dataRoot(flag: rootOption)
        // A check of a root that is not there is a mistake (a typo), not a clean root: say so
        // rather than create an empty one and report it clean.
        guard FileManager.default.fileExists(atPath: DataRootLayout(root: root).index) else {
            printError("berth fsck: no data root at \(root)")
            throw ExitCode(2)
        }
        let registry: FileRegistry
        do {
            registry = try await FileRegistry.open(RegistryConfiguration(root: root, readOnly: !repair))
        } catch {
            printError("berth fsck: \(error)")
            throw ExitCode(2)
        }
        let report: Fsck.Report
        do {
            report = try await Fsck(registry: registry).run(repair: repair) { printError($0) }
        } catch {
            await registry.close()
            printError("berth fsck: \(error)")
            throw ExitCode(2)
        }
        await registry.close()
        for problem in report.problems { print(problem) }
        for repair in report.repairs { print("repaired: \(repair)") }
        let leftovers = report.problems.filter(\.isLeftover).count
        printError("berth fsck: \(report.blobsChecked) blobs, \(report.manifestsChecked) manifests checked; \(report.problems.count - leftovers) problem(s), \(leftovers) harmless leftover(s)\(repair ? ", \(report.repairs.count) repair(s)" : "")")
        if !report.isClean { throw ExitCode(1) }
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
