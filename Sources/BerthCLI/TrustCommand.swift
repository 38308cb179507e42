import ArgumentParser
import BerthEngine
import Foundation

/// `berth trust`: the Docker Content Trust data the server holds (list, show, delete).
struct TrustCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trust",
        abstract: "Docker Content Trust (Notary) data: GUNs, their roles, versions, expiries and signed tags.",
        subcommands: [List.self, Show.self, Delete.self])

    static func print(_ repository: AdminModels.TrustRepository) {
        Swift.print(repository.gun)
        for role in repository.roles { Swift.print("  \(role.role) v\(role.version)" + (role.expires.map { ", expires \($0)" } ?? "")) }
        Swift.print("  signed tags: " + (repository.signedTags.isEmpty ? "none" : repository.signedTags.joined(separator: ", ")))
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Every GUN with trust data.")
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                let repositories = try await backend.trustRepositories()
                if options.json { Swift.print(Formatting.json(repositories)); return }
                if repositories.isEmpty { Swift.print("no trust data") }
                repositories.forEach(TrustCommand.print)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One GUN's roles, versions, expiries and signed tags.")
        @Argument(help: "The GUN, e.g. registry.example.com/team/app.") var gun: String
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                let repository = try await backend.trustRepository(gun)
                if options.json { Swift.print(Formatting.json(repository)); return }
                TrustCommand.print(repository)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete", abstract: "Remove a GUN's trust data in one transaction (audited), so a new root can be published after a lost key.")
        @Argument(help: "The GUN, e.g. registry.example.com/team/app.") var gun: String
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                let removed = try await backend.deleteTrust(gun)
                if options.json { Swift.print(Formatting.json(removed)); return }
                Swift.print("removed " + removed.removed.joined(separator: ", "))
            }
        }
    }
}
