import Foundation
import Logging
import BerthEngine
import BerthHTTP

/// The settings of `berth serve`, resolved from flags, then environment, then a config file,
/// then defaults. A value: resolving has no side effects.
struct ServeSettings: Equatable {
    var root = "./berth-data"
    var host = "127.0.0.1"
    var port = 5000
    var externalURL: String?
    var trustForwardedHeaders = false
    var logLevel: Logger.Level = .info
    /// How log lines are written: text (swift-log's stream handler) or one JSON object a line.
    var logFormat: LogFormat = .text
    var uploadExpiry: Duration = .seconds(24 * 3600)
    var shutdownTimeout: Duration = .seconds(30)
    /// PEM certificate chain and private key: both set means HTTPS (with HTTP/2 by ALPN).
    var tlsCertificate: String?
    var tlsKey: String?
    /// No authentication (throwaway local use).
    var anonymous = false
    /// Allow `anonymous` on a non-loopback address.
    var anonymousOnNetwork = false
    /// A bearer token that may read /metrics.
    var metricsToken: String?
    /// Requests per second per account (nil: unlimited).
    var rateLimit: Double?
    /// Uploads in progress per account.
    var maximumUploads = 64
    /// Largest blob, bytes.
    var maximumBlobSize: Int64 = 64 << 30
    /// A request's head must arrive within this of the connection opening or the previous response.
    var headerDeadline: Duration = .seconds(30)
    /// Largest request header field and header block, bytes.
    var maximumHeaderSize = 80 * 1024
    /// Slowest request body, bytes per second after 30 s (0: no minimum).
    var minimumBodyRate = 1024
    /// Connections idle this long are closed (a client that stops sending its headers or body).
    var idleTimeout: Duration = .seconds(30)
    /// Write blobs through the page cache only (no O_DIRECT): a blob just pushed is then cached
    /// for its first pull, at more CPU per pushed byte.
    var bufferedWrites = false
    /// The index's map size (`--map-size`), bytes.
    var mapSize = 1 << 40
    /// Serve the web interface at `/` (`--no-interface` turns it off).
    var webInterface = true
    /// A listener of its own for the Docker Content Trust API (`--trust-listen`).
    var trustListen: ListenAddress?

    /// The server's configuration for a listener on `host`:`port` (TLS, timeouts, header limits).
    func serverConfiguration(host: String, port: Int) -> RegistryServerConfiguration {
        RegistryServerConfiguration(
            host: host, port: port,
            tls: tlsCertificate.flatMap { certificate in tlsKey.map { .init(certificate: certificate, key: $0) } },
            idleTimeout: idleTimeout, headerDeadline: headerDeadline, maximumHeaderSize: maximumHeaderSize)
    }

    /// A host and port to listen on.
    struct ListenAddress: Equatable {
        var host: String
        var port: Int
    }
    /// Bytes of each blob written through the page cache before O_DIRECT takes over (within a
    /// quarter of the available memory), so a blob just pushed is cached for its first pull.
    var cachedPushPrefix: Int64 = CachedPushPrefix.standard.maximumBytesPerBlob

    /// The config file's shape: every field optional, names as in the docs.
    struct File: Decodable {
        var root: String?
        var listen: String?
        var externalURL: String?
        var trustForwardedHeaders: Bool?
        var logLevel: String?
        var logFormat: String?
        var uploadExpiry: String?
        var shutdownTimeout: String?
        var tlsCertificate: String?
        var tlsKey: String?
        var anonymous: Bool?
        var anonymousOnNetwork: Bool?
        var metricsToken: String?
        var rateLimit: Double?
        var maxUploads: Int?
        var maxBlobSize: Int64?
        var idleTimeout: String?
        var minBodyRate: Int?
        var maxHeaderSize: Int?
        var headerDeadline: String?
        var bufferedWrites: Bool?
        var cachedPushPrefix: Int64?
        var noInterface: Bool?
        var trustListen: String?
        var mapSize: Int?

        /// Every key a file may hold: the environment variables' names in camelCase, as the
        /// README documents them. Any other key is refused rather than silently ignored.
        static let keys: Set<String> = [
            "root", "listen", "externalURL", "trustForwardedHeaders", "logLevel", "logFormat", "uploadExpiry", "shutdownTimeout",
            "tlsCertificate", "tlsKey", "anonymous", "anonymousOnNetwork", "metricsToken", "rateLimit", "maxUploads",
            "maxBlobSize", "idleTimeout", "minBodyRate", "maxHeaderSize", "headerDeadline", "bufferedWrites",
            "cachedPushPrefix", "noInterface", "trustListen", "mapSize",
        ]
    }

    /// A setting that cannot be used, with the reason.
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    static func resolve(flags: ServeCommand, environment: [String: String]) throws -> ServeSettings {
        var file = File()
        let configPath = flags.config ?? environment["BERTH_CONFIG"]
        if let configPath {
            guard let data = FileManager.default.contents(atPath: configPath) else {
                throw Invalid(description: "cannot read config file \(configPath)")
            }
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            guard let object else { throw Invalid(description: "config file \(configPath) is not a JSON object") }
            if let unknown = object.keys.sorted().first(where: { !File.keys.contains($0) }) {
                throw Invalid(description: "config file \(configPath): unknown setting \(unknown) (settings are the BERTH_ variables' names in camelCase)")
            }
            do {
                file = try JSONDecoder().decode(File.self, from: data)
            } catch let error as DecodingError {
                throw Invalid(description: "config file \(configPath): \(error.pathDescription)")
            }
        }
        // An empty variable (what a template leaves for an unset value) is no setting at all.
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func pick(_ flag: String?, _ name: String, _ fromFile: String?) -> String? {
            flag ?? variable(name) ?? fromFile
        }
        var settings = ServeSettings()
        if let root = pick(flags.root, "BERTH_ROOT", file.root) { settings.root = root }
        if let listen = pick(flags.listen, "BERTH_LISTEN", file.listen) {
            (settings.host, settings.port) = try parseListen(listen)
        }
        settings.externalURL = pick(flags.externalURL, "BERTH_EXTERNAL_URL", file.externalURL)
        if let url = settings.externalURL, URL(string: url)?.scheme == nil {
            throw Invalid(description: "external URL \(url) needs a scheme, e.g. https://\(url)")
        }
        // A flag turns a switch on; otherwise the environment decides when it says anything
        // (false included), then the file.
        func flag(_ value: Bool, _ name: String, _ fromFile: Bool?) throws -> Bool {
            if value { return true }
            if let text = variable(name) { return try parseSwitch(text, name) }
            return fromFile ?? false
        }
        /// A number from the flag, else the environment (refused unless it parses), else the file.
        func number<T: LosslessStringConvertible>(_ value: T?, _ name: String, _ fromFile: T?) throws -> T? {
            if let value { return value }
            if let text = variable(name) {
                guard let parsed = T(text) else { throw Invalid(description: "\(name)=\(text) is not a number") }
                return parsed
            }
            return fromFile
        }
        settings.trustForwardedHeaders = try flag(flags.trustForwardedHeaders, "BERTH_TRUST_FORWARDED_HEADERS", file.trustForwardedHeaders)
        if let level = pick(flags.logLevel, "BERTH_LOG_LEVEL", file.logLevel) {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw Invalid(description: "unknown log level \(level)")
            }
            settings.logLevel = parsed
        }
        if let format = pick(flags.logFormat, "BERTH_LOG_FORMAT", file.logFormat) {
            guard let parsed = LogFormat(rawValue: format.lowercased()) else {
                throw Invalid(description: "unknown log format \(format) (text or json)")
            }
            settings.logFormat = parsed
        }
        if let expiry = pick(flags.uploadExpiry, "BERTH_UPLOAD_EXPIRY", file.uploadExpiry) {
            settings.uploadExpiry = try parseDuration(expiry)
        }
        if let timeout = pick(flags.shutdownTimeout, "BERTH_SHUTDOWN_TIMEOUT", file.shutdownTimeout) {
            settings.shutdownTimeout = try parseDuration(timeout)
        }
        settings.tlsCertificate = pick(flags.tlsCertificate, "BERTH_TLS_CERTIFICATE", file.tlsCertificate)
        settings.tlsKey = pick(flags.tlsKey, "BERTH_TLS_KEY", file.tlsKey)
        settings.anonymous = try flag(flags.anonymous, "BERTH_ANONYMOUS", file.anonymous)
        settings.anonymousOnNetwork = try flag(flags.anonymousOnNetwork, "BERTH_ANONYMOUS_ON_NETWORK", file.anonymousOnNetwork)
        settings.bufferedWrites = try flag(flags.bufferedWrites, "BERTH_BUFFERED_WRITES", file.bufferedWrites)
        settings.webInterface = !(try flag(flags.noInterface, "BERTH_NO_INTERFACE", file.noInterface))
        settings.mapSize = try number(flags.mapSize, "BERTH_MAP_SIZE", file.mapSize) ?? (1 << 40)
        guard settings.mapSize >= 1 << 20 else { throw Invalid(description: "--map-size must be at least 1 MiB (1048576)") }
        if let trust = pick(flags.trustListen, "BERTH_TRUST_LISTEN", file.trustListen) {
            let (host, port) = try parseListen(trust)
            settings.trustListen = ListenAddress(host: host, port: port)
        }
        settings.metricsToken = pick(flags.metricsToken, "BERTH_METRICS_TOKEN", file.metricsToken)
        settings.rateLimit = try number(flags.rateLimit, "BERTH_RATE_LIMIT", file.rateLimit)
        settings.maximumUploads = try number(flags.maxUploads, "BERTH_MAX_UPLOADS", file.maxUploads) ?? 64
        settings.maximumBlobSize = try number(flags.maxBlobSize, "BERTH_MAX_BLOB_SIZE", file.maxBlobSize) ?? (64 << 30)
        settings.cachedPushPrefix = try number(flags.cachedPushPrefix, "BERTH_CACHED_PUSH_PREFIX", file.cachedPushPrefix)
            ?? CachedPushPrefix.standard.maximumBytesPerBlob
        settings.maximumHeaderSize = try number(flags.maxHeaderSize, "BERTH_MAX_HEADER_SIZE", file.maxHeaderSize) ?? 80 * 1024
        settings.minimumBodyRate = try number(flags.minBodyRate, "BERTH_MIN_BODY_RATE", file.minBodyRate) ?? 1024
        if let deadline = pick(flags.headerDeadline, "BERTH_HEADER_DEADLINE", file.headerDeadline) { settings.headerDeadline = try parseDuration(deadline) }
        if let idle = pick(flags.idleTimeout, "BERTH_IDLE_TIMEOUT", file.idleTimeout) { settings.idleTimeout = try parseDuration(idle) }
        guard settings.rateLimit.map({ $0 > 0 }) ?? true, settings.maximumUploads > 0, settings.maximumBlobSize > 0, settings.cachedPushPrefix >= 0,
              settings.minimumBodyRate >= 0, settings.maximumHeaderSize >= 1024 else {
            throw Invalid(description: "limits must be positive")
        }
        if settings.anonymous && !settings.anonymousOnNetwork && !isLoopback(settings.host) {
            throw Invalid(description: "--anonymous refuses to listen on \(settings.host): anyone on the network could push and delete. Add --anonymous-on-network if that is really meant")
        }
        guard (settings.tlsCertificate == nil) == (settings.tlsKey == nil) else {
            throw Invalid(description: "HTTPS needs both a certificate and a key (--tls-certificate and --tls-key)")
        }
        if settings.trustListen != nil, settings.tlsCertificate == nil {
            throw Invalid(description: "--trust-listen serves Docker Content Trust, which needs HTTPS: add --tls-certificate and --tls-key")
        }
        return settings
    }

    /// The data root of a command other than `serve`, found as `serve` finds its own: `--root`,
    /// else `BERTH_ROOT` (an empty one is no setting), else `./berth-data`.
    static func dataRoot(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        flag ?? environment["BERTH_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? ServeSettings().root
    }

    /// Whether a listen host only reaches this machine: `localhost`, `::1`, or an IPv4 address
    /// literal in 127.0.0.0/8 (a name such as `127.example.com` is not one).
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }

    /// `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`; anything else is refused, not read as false.
    static func parseSwitch(_ text: String, _ variable: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw Invalid(description: "\(variable)=\(text) is neither true nor false")
        }
    }

    /// `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces).
    static func parseListen(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw Invalid(description: "listen address \(text) is not HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// `90s`, `15m`, `24h`, `7d`, or plain seconds; zero only when `allowZero`.
    static func parseDuration(_ text: String, allowZero: Bool = false) throws -> Duration {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = Substring(text)
        var multiplier: Int64 = 1
        if let last = text.last, let unit = units[last] {
            number = number.dropLast()
            multiplier = unit
        }
        guard let value = Int64(number), value > 0 || (allowZero && value == 0) else { throw Invalid(description: "duration \(text) is not like 90s, 15m, 24h or 7d") }
        // Ten years is longer than anything here needs, and far from overflowing a TimeAmount.
        let (seconds, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow, seconds <= 10 * 366 * 86_400 else { throw Invalid(description: "duration \(text) is longer than ten years") }
        return .seconds(seconds)
    }
}
