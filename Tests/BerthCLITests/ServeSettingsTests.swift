import Foundation
import Testing
@testable import BerthCLI

@Suite struct ServeSettingsTests {
    private func settings(_ arguments: [String], environment: [String: String] = [:]) throws -> ServeSettings {
        try ServeSettings.resolve(flags: try ServeCommand.parse(arguments), environment: environment)
    }

    @Test func noFlagsGiveTheEmbeddedDefaults() throws {
        let value = try settings([])
        #expect(value.root == "./berth-data")
        #expect(value.host == "127.0.0.1")
        #expect(value.port == 5000)
        #expect(value.uploadExpiry == .seconds(86_400))
        #expect(value.tlsCertificate == nil)
    }

    @Test func flagsWinOverEnvironmentWhichWinsOverTheConfigFile() throws {
        let file = NSTemporaryDirectory() + "berth-config-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(#"{"root":"/from/file","listen":"127.0.0.1:7000","logLevel":"debug","uploadExpiry":"2h"}"#.utf8)
            .write(to: URL(fileURLWithPath: file))
        let value = try settings(["--config", file, "--root", "/from/flag"],
                                 environment: ["BERTH_ROOT": "/from/env", "BERTH_LISTEN": "0.0.0.0:6000"])
        #expect(value.root == "/from/flag")
        #expect(value.host == "0.0.0.0")
        #expect(value.port == 6000)
        #expect(value.logLevel == .debug)
        #expect(value.uploadExpiry == .seconds(7200))
    }

    @Test(arguments: [("[::1]:5001", "::1", 5001), (":8080", "0.0.0.0", 8080), ("localhost:1", "localhost", 1)])
    func listenAddressesParse(text: String, host: String, port: Int) throws {
        let (parsedHost, parsedPort) = try ServeSettings.parseListen(text)
        #expect(parsedHost == host)
        #expect(parsedPort == port)
    }

    @Test(arguments: ["5000", "host:", "host:99999", "host:port"])
    func badListenAddressesAreRefused(text: String) {
        #expect(throws: ServeSettings.Invalid.self) { try ServeSettings.parseListen(text) }
    }

    @Test(arguments: [("90s", 90), ("15m", 900), ("24h", 86_400), ("7d", 604_800), ("30", 30)])
    func durationsParse(text: String, seconds: Int64) throws {
        #expect(try ServeSettings.parseDuration(text) == .seconds(seconds))
    }

    @Test(arguments: ["", "h", "-5m", "1w", "1.5h"])
    func badDurationsAreRefused(text: String) {
        #expect(throws: ServeSettings.Invalid.self) { try ServeSettings.parseDuration(text) }
    }

    @Test func externalURLNeedsAScheme() {
        #expect(throws: ServeSettings.Invalid.self) { try settings(["--external-url", "registry.example.com"]) }
    }

    @Test func unknownLogLevelIsRefused() {
        #expect(throws: ServeSettings.Invalid.self) { try settings(["--log-level", "loud"]) }
    }

    @Test func unreadableConfigFileIsRefused() {
        #expect(throws: ServeSettings.Invalid.self) { try settings(["--config", "/nonexistent/berth.json"]) }
    }

    @Test func directBlobWritesAreTheDefaultAndBufferedWritesAreChosenByFlagEnvironmentOrFile() throws {
        #expect(try settings([]).bufferedWrites == false)
        #expect(try settings(["--buffered-writes"]).bufferedWrites)
        #expect(try settings([], environment: ["BERTH_BUFFERED_WRITES": "1"]).bufferedWrites)
        let file = NSTemporaryDirectory() + "berth-config-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(#"{"bufferedWrites":true}"#.utf8).write(to: URL(fileURLWithPath: file))
        #expect(try settings(["--config", file]).bufferedWrites)
    }

    @Test func serveHelpNamesEverySetting() throws {
        let result = try runBerth(["serve", "--help"])
        #expect(result.status == 0)
        for flag in ["--root", "--listen", "--external-url", "--log-level", "--upload-expiry", "--tls-certificate", "--tls-key", "--config"] {
            #expect(result.stdout.contains(flag), "\(flag)")
        }
    }
}

@Suite struct ArtifactReferenceTests {
    @Test(arguments: [
        ("team/app@sha256:\(String(repeating: "a", count: 64))", "team/app", "sha256:\(String(repeating: "a", count: 64))"),
        ("team/app@v1", "team/app", "v1"),
        ("team/app:v1", "team/app", "v1"),
        ("localhost/app:latest", "localhost/app", "latest"),
    ])
    func artifactsAreNamedWithAtOrColon(text: String, repository: String, reference: String) throws {
        let (name, parsed) = try AccessoriesCommand.split(text)
        #expect(name.value == repository)
        #expect(parsed.description == reference)
    }

    @Test func aBareRepositoryIsRefused() {
        #expect(throws: (any Error).self) { try AccessoriesCommand.split("team/app") }
    }
}
