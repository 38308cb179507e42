import ArgumentParser
import BerthEngine
import BerthHTTP
import Foundation

/// Reads a new password: from BERTH_NEW_PASSWORD, or the first line of standard input.
private func readNewPassword() throws -> String {
    if let password = ProcessInfo.processInfo.environment["BERTH_NEW_PASSWORD"], !password.isEmpty { return password }
    guard let line = readLine(strippingNewline: true), !line.isEmpty else {
        throw CLIError("give the password on standard input (or in BERTH_NEW_PASSWORD)")
    }
    return line
}

/// `berth user add|passwd|rm|ls`.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts (passwords bcrypt-hashed in the data root).",
        subcommands: [Add.self, Passwd.self, Remove.self, List.self, Robot.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account; the password is read from standard input or BERTH_NEW_PASSWORD.")
        @Argument var name: String
        @Flag(help: "A system administrator.") var admin = false
        @Flag(name: .customLong("can-create-projects"), help: "May create projects by pushing into them.") var canCreateProjects = false
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                let account = try await backend.addAccount(AdminModels.NewAccount(name: name, password: try readNewPassword(),
                                                                                  admin: admin, canCreateProjects: canCreateProjects))
                print("added \(account.name)\(account.admin ? " (administrator)" : "")")
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a password (read from standard input or BERTH_NEW_PASSWORD).")
        @Argument var name: String
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                try await backend.setPassword(name, try readNewPassword())
                print("password of \(name) changed")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an account and its memberships.")
        @Argument var name: String
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                try await backend.removeAccount(name)
                print("removed \(name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List accounts.")
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                let accounts = try await backend.accounts()
                if options.json { print(Formatting.json(accounts)); return }
                print(Formatting.table(["NAME", "ADMIN", "CREATE PROJECTS", "ROBOT", "EXPIRES"], accounts.map {
                    [$0.name, $0.admin ? "yes" : "no", $0.canCreateProjects ? "yes" : "no", $0.robot ? "yes" : "no",
                     $0.expiresAt.map(Formatting.date) ?? "-"]
                }))
            }
        }
    }

    struct Robot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a robot account robot$NAME with a random secret (printed once) and an expiry.")
        @Argument var name: String
        @Option(help: "Days until it expires.") var days: Int = 30
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                let robot = try await backend.addRobot(name, days: days)
                if options.json { print(Formatting.json(robot)); return }
                print("name:    \(robot.name)\nsecret:  \(robot.secret ?? "")\nexpires: \(robot.expiresAt.map(Formatting.date) ?? "-")")
            }
        }
    }
}

/// `berth project add|rm|ls`.
struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project", abstract: "Manage projects (the first segment of repository names; `library` for single-segment names).",
        subcommands: [Add.self, Remove.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a project, or change whether it is public (anonymous pull).")
        @Argument var name: String
        @Flag(help: "Anyone, even anonymous, may pull.") var `public` = false
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                try await backend.saveProject(name, isPublic: `public`)
                print("project \(name) (\(`public` ? "public" : "private"))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a project and its memberships.")
        @Argument var name: String
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                try await backend.removeProject(name)
                print("removed project \(name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List projects with their members.")
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                let projects = try await backend.projects()
                if options.json { print(Formatting.json(projects)); return }
                print(Formatting.table(["PROJECT", "PUBLIC", "MEMBERS"], projects.map { project in
                    [project.name, project.public ? "yes" : "no",
                     project.members.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")]
                }))
            }
        }
    }
}

/// `berth member add|rm`.
struct MemberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "member", abstract: "Give accounts roles in projects: guest, developer, maintainer, admin.",
        subcommands: [Add.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Give USER a role in PROJECT.")
        @Argument var project: String
        @Argument var user: String
        @Option(help: "guest (pull), developer (pull, push), maintainer (also delete), admin.") var role: String = "developer"
        @OptionGroup var options: AdminOptions
        func run() async throws {
            guard let parsed = ProjectRole(rawValue: role) else {
                printError("berth: role must be guest, developer, maintainer or admin")
                throw ExitCode(2)
            }
            try await withAdminBackend(options) { backend in
                try await backend.setMember(user, of: project, role: parsed)
                print("\(user) is \(parsed.rawValue) in \(project)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove USER from PROJECT.")
        @Argument var project: String
        @Argument var user: String
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await withAdminBackend(options) { backend in
                try await backend.setMember(user, of: project, role: nil)
                print("removed \(user) from \(project)")
            }
        }
    }
}

/// `berth audit`: pushes, deletes, policy changes and login failures.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Show the audit log (newest last).")
    @Option(help: "How many events.") var limit: Int = 100
    @OptionGroup var options: AdminOptions
    func run() async throws {
        try await withAdminBackend(options) { backend in
            let events = try await backend.audit(limit: limit)
            if options.json { print(Formatting.json(events)); return }
            print(Formatting.table(["TIME", "WHO", "WHAT", "REPOSITORY", "DIGEST", "DETAIL"], events.map {
                [Formatting.date($0.time), $0.actor, $0.action, $0.repository ?? "-", $0.digest.map(Formatting.short) ?? "-", $0.detail ?? ""]
            }))
        }
    }
}
