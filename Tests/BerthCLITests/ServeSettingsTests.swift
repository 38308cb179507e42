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

    @Test func theCachedPushPrefixIs64MiBUnlessSetAndNeverNegative() throws {
        #expect(try settings([]).cachedPushPrefix == 64 << 20)
        #expect(try settings(["--cached-push-prefix", "0"]).cachedPushPrefix == 0)
        #expect(try settings([], environment: ["BERTH_CACHED_PUSH_PREFIX": "1048576"]).cachedPushPrefix == 1 << 20)
        #expect(throws: (any Error).self) { try settings(["--cached-push-prefix", "-1"]) }
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

    @Test func theLogFormatIsTextUnlessJSONIsAskedForByFlagEnvironmentOrFile() throws {
        #expect(try settings([]).logFormat == .text)
        #expect(try settings(["--log-format", "json"]).logFormat == .json)
        #expect(try settings([], environment: ["BERTH_LOG_FORMAT": "JSON"]).logFormat == .json)
        let file = NSTemporaryDirectory() + "berth-config-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(#"{"logFormat":"json"}"#.utf8).write(to: URL(fileURLWithPath: file))
        #expect(try settings(["--config", file]).logFormat == .json)
        #expect(try settings(["--config", file, "--log-format", "text"]).logFormat == .text)
    }

    @Test func anUnknownLogFormatIsRefused() {
        #expect(throws: ServeSettings.Invalid.self) { try settings(["--log-format", "xml"]) }
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

    /// A config file with `json`, removed after `body`.
    private func withConfig<T>(_ json: String, _ body: (String) throws -> T) throws -> T {
        let file = NSTemporaryDirectory() + "berth-config-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(json.utf8).write(to: URL(fileURLWithPath: file))
        return try body(file)
    }

    @Test func theConfigFileTakesTheDocumentedNames() throws {
        let value = try withConfig(#"{"maxUploads":7,"maxBlobSize":1000,"minBodyRate":0,"maxHeaderSize":4096,"rateLimit":5}"#) {
            try settings(["--config", $0])
        }
        #expect(value.maximumUploads == 7)
        #expect(value.maximumBlobSize == 1000)
        #expect(value.minimumBodyRate == 0)
        #expect(value.maximumHeaderSize == 4096)
        #expect(value.rateLimit == 5)
    }

    @Test func anUnknownConfigKeyIsRefusedRatherThanIgnored() throws {
        try withConfig(#"{"maximumUploads":7}"#) { file in
            #expect(throws: ServeSettings.Invalid.self) { try settings(["--config", file]) }
        }
    }

    @Test func aSwitchInTheEnvironmentTurnsOffWhatTheFileTurnsOn() throws {
        try withConfig(#"{"bufferedWrites":true,"trustForwardedHeaders":true}"#) { file in
            let value = try settings(["--config", file], environment: ["BERTH_BUFFERED_WRITES": "false", "BERTH_TRUST_FORWARDED_HEADERS": "0"])
            #expect(!value.bufferedWrites)
            #expect(!value.trustForwardedHeaders)
        }
        #expect(throws: ServeSettings.Invalid.self) { try settings([], environment: ["BERTH_ANONYMOUS": "maybe"]) }
    }

    @Test func anEmptyVariableIsNoSetting() throws {
        // What a template leaves for an unset value: neither false nor an error.
        try withConfig(#"{"trustForwardedHeaders":true}"#) { file in
            let value = try settings(["--config", file], environment: ["BERTH_TRUST_FORWARDED_HEADERS": "", "BERTH_MAX_UPLOADS": ""])
            #expect(value.trustForwardedHeaders)
            #expect(value.maximumUploads == 64)
        }
    }

    @Test(arguments: [("BERTH_RATE_LIMIT", "10/s"), ("BERTH_MAX_BLOB_SIZE", "10G"), ("BERTH_MAX_UPLOADS", "many")])
    func aNumberInTheEnvironmentThatDoesNotParseIsRefused(variable: String, value: String) {
        #expect(throws: ServeSettings.Invalid.self) { try settings([], environment: [variable: value]) }
    }

    @Test func anonymousModeTrustsOnlyLoopbackAddressesNotNamesThatLookLikeThem() {
        #expect(ServeSettings.isLoopback("127.0.0.1"))
        #expect(ServeSettings.isLoopback("127.1.2.3"))
        #expect(!ServeSettings.isLoopback("127.example.com"))
        #expect(!ServeSettings.isLoopback("127.0.0.1.nip.io"))
        #expect(throws: ServeSettings.Invalid.self) { try settings(["--anonymous", "--listen", "127.example.com:5000"]) }
    }

    @Test func aDurationTooLongToKeepIsRefused() {
        #expect(throws: ServeSettings.Invalid.self) { try ServeSettings.parseDuration("9999999999999999d") }
        #expect(throws: ServeSettings.Invalid.self) { try ServeSettings.parseDuration("4000d") }
    }

    @Test func serveHelpNamesEverySetting() async throws {
        let result = try await runBerth(["serve", "--help"])
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
