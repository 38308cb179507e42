import ArgumentParser

/// Where an admin command acts: `--url` of a running server, or `--root` of an unlocked data root.
struct AdminOptions: ParsableArguments {
    @Option(name: .long, help: "Admin API of a running server, e.g. http://127.0.0.1:5000.")
    var url: String?

    @Option(name: .long, help: "Data root to open directly when no server runs on it.")
    var root: String = "./berth-data"

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false
}

/// Runs an admin command body against the backend the options name, printing failures plainly.
func withAdminBackend(_ options: AdminOptions, _ body: (AdminBackend) async throws -> Void) async throws {
    let backend: AdminBackend
    do {
        backend = try await AdminBackend.open(options)
    } catch {
        printError("berth: \(error)")
        throw ExitCode(2)
    }
    do {
        try await body(backend)
        await backend.close()
    } catch let exit as ExitCode {
        await backend.close()
        throw exit
    } catch {
        await backend.close()
        printError("berth: \(error)")
        throw ExitCode(1)
    }
}
