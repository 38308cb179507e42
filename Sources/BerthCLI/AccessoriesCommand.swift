import BerthEngine
import ArgumentParser
import BerthHTTP
import BerthModel

/// `berth accessories <repository>@<digest>` or `<repository>:<tag>`: the accessory tree.
struct AccessoriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accessories",
        abstract: "Show an artifact's accessories (signatures, attestations, SBOMs) as a tree.",
        discussion: "The artifact is REPOSITORY@DIGEST, REPOSITORY@TAG or REPOSITORY:TAG. With --delete DIGEST, deletes that accessory (with its own accessories and its tag-scheme tag); a digest that is not an accessory of the artifact, direct or nested, is refused and nothing is deleted.")

    @Argument(help: "The subject: team/app@sha256:… or team/app:v1.")
    var artifact: String

    @Option(name: .long, help: "Delete this accessory (a digest from the tree) instead of listing.")
    var delete: String?

    @OptionGroup var options: AdminOptions

    func run() async throws {
        let (repository, reference): (RepositoryName, Reference)
        do {
            (repository, reference) = try Self.split(artifact)
        } catch {
            printError("berth: \(error)")
            throw ExitCode(2)
        }
        try await withAdminBackend(options) { backend in
            if let delete {
                let removed = try await backend.deleteAccessory(repository, reference, try Digest(parsing: delete))
                print(options.json ? Formatting.json(removed) : removed.removed.map { "removed \($0)" }.joined(separator: "\n"))
                return
            }
            let tree = try await backend.accessories(repository, reference)
            if options.json {
                print(Formatting.json(tree))
                return
            }
            print("\(tree.repository)@\(tree.subject)  signed: \(tree.signed ? "yes" : "no")")
            var rows: [[String]] = []
            func add(_ nodes: [AdminModels.Accessory], depth: Int) {
                for node in nodes {
                    rows.append([String(repeating: "  ", count: depth) + "└ " + Formatting.short(node.digest), node.type,
                                 node.artifactType ?? "-", Formatting.size(node.size), Formatting.date(node.createdAt),
                                 node.tags.isEmpty ? "-" : node.tags.joined(separator: ",")])
                    add(node.accessories, depth: depth + 1)
                }
            }
            add(tree.accessories, depth: 0)
            if rows.isEmpty {
                print("no accessories")
            } else {
                print(Formatting.table(["ACCESSORY", "TYPE", "ARTIFACT TYPE", "SIZE", "CREATED", "TAGS"], rows))
            }
        }
    }

    /// `repo@digest` or `repo:tag` (the last `:` after the last `/` separates a tag).
    static func split(_ text: String) throws -> (RepositoryName, Reference) {
        if let at = text.firstIndex(of: "@") {
            // After `@`: a digest, or (as `<repo>@<digest or tag>` reads) a tag.
            return (try RepositoryName(parsing: text[..<at]), try Reference(parsing: text[text.index(after: at)...]))
        }
        let slash = text.lastIndex(of: "/") ?? text.startIndex
        if let colon = text[slash...].lastIndex(of: ":") {
            return (try RepositoryName(parsing: text[..<colon]), .tag(try Tag(parsing: text[text.index(after: colon)...])))
        }
        throw CLIError("expected REPOSITORY@DIGEST or REPOSITORY:TAG, got \(text)")
    }
}
