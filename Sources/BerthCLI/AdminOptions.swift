import ArgumentParser
import Foundation

/// Where an admin command acts: `--url` of a running server, or `--root` of an unlocked data root.
struct AdminOptions: ParsableArguments {
    @Option(name: .long, help: "Admin API of a running server, e.g. http://127.0.0.1:5000.")
    var url: String?

    @Option(name: .customLong("root"), help: "Data root to open directly when no server runs on it (or BERTH_ROOT; default ./berth-data).")
    var rootOption: String?

    /// The data root: `--root`, else `BERTH_ROOT` (as `berth serve` reads it), else `./berth-data`.
    var root: String { ServeSettings.dataRoot(flag: rootOption) }

    @Option(name: .long, help: "Account for --url (or BERTH_USERNAME).")
    var username: String?

    @Option(name: .long, help: "Password for --url (or BERTH_PASSWORD; the environment keeps it out of the process list).")
    var password: String?

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    /// `Basic …` for the admin API, from the options or the environment.
    var basicAuthorization: String? {
        let environment = ProcessInfo.processInfo.environment
        guard let user = username ?? environment["BERTH_USERNAME"], let secret = password ?? environment["BERTH_PASSWORD"] else { return nil }
        return "Basic " + Data("\(user):\(secret)".utf8).base64EncodedString()
    }
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
