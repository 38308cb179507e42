import ArgumentParser
import BerthModel

/// `berth artifacts <repository>`: the artifacts of a repository, with their signature status.
struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts",
        abstract: "List a repository's artifacts: tags, size, push time, whether signed, accessories.")

    @Argument(help: "Repository name, e.g. team/app.")
    var repository: String

    @OptionGroup var options: AdminOptions

    func run() async throws {
        let name: RepositoryName
        do { name = try RepositoryName(parsing: repository) } catch {
            printError("berth: \(error)")
            throw ExitCode(2)
        }
        try await withAdminBackend(options) { backend in
            let artifacts = try await backend.artifacts(name)
            if options.json {
                print(Formatting.json(artifacts))
                return
            }
            print(Formatting.table(
                ["DIGEST", "TAGS", "TYPE", "SIZE", "PUSHED", "SIGNED", "VERIFIED", "ACCESSORIES"],
                artifacts.map { artifact in
                    [Formatting.short(artifact.digest), artifact.tags.joined(separator: ","),
                     artifact.accessory ? "accessory" : (artifact.artifactType ?? artifact.mediaType),
                     Formatting.size(artifact.size), Formatting.date(artifact.pushedAt),
                     artifact.signed ? "yes" : "no", artifact.verified.map { $0 ? "yes" : "no" } ?? "-",
                     String(artifact.accessories)]
                }))
        }
    }
}
