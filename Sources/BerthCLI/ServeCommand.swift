import ArgumentParser
import BerthEngine
import BerthHTTP
import BerthWeb
import BerthRemote
import Foundation
import Hummingbird
import CoreMetrics
import Logging
import NIOCore
import ServiceLifecycle

/// `berth serve`: runs the registry on one data root.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the registry (OCI Distribution v1.1, Docker-compatible).",
        discussion: """
        With no flags it serves ./berth-data on 127.0.0.1:5000. Every setting can also come from
        an environment variable (BERTH_ROOT, BERTH_LISTEN, BERTH_EXTERNAL_URL, BERTH_LOG_LEVEL,
        BERTH_LOG_FORMAT, BERTH_UPLOAD_EXPIRY, BERTH_SHUTDOWN_TIMEOUT, BERTH_TRUST_FORWARDED_HEADERS,
        BERTH_TLS_CERTIFICATE, BERTH_TLS_KEY, BERTH_CONFIG) or a JSON config file (--config)
        with the same names in camelCase (root, listen, externalURL, logLevel, logFormat, uploadExpiry,
        shutdownTimeout, trustForwardedHeaders, tlsCertificate, tlsKey). Flags win over the
        environment, which wins over the file.
        With a certificate and key it serves HTTPS only, offering HTTP/2 and HTTP/1.1 by ALPN.
        Authentication is on: on a root with no accounts, the administrator `admin` is created
        with BERTH_ADMIN_PASSWORD, or a random password printed once and saved in
        <root>/auth/admin-password. --anonymous turns authentication off.
        SIGINT or SIGTERM stop it gracefully: no new connections, requests in flight finish
        within the shutdown timeout, interrupted uploads stay resumable.
        """)

    @Option(name: .long, help: "The data root (default ./berth-data).")
    var root: String?

    @Option(name: .long, help: "Address to listen on, HOST:PORT (default 127.0.0.1:5000).")
    var listen: String?

    @Option(name: .customLong("external-url"), help: "Public base URL used in Location headers, e.g. https://registry.example.com.")
    var externalURL: String?

    @Flag(name: .customLong("trust-forwarded-headers"), help: "Build URLs from X-Forwarded-Proto/Host (behind a trusted proxy).")
    var trustForwardedHeaders = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "text (default) or json: one JSON object per line, for log shippers.")
    var logFormat: String?

    @Option(name: .customLong("upload-expiry"), help: "Idle upload sessions are removed after this long, e.g. 24h, 90m, 3600s (default 24h).")
    var uploadExpiry: String?

    @Option(name: .customLong("shutdown-timeout"), help: "How long requests in flight may run after SIGINT/SIGTERM, e.g. 30s (default 30s).")
    var shutdownTimeout: String?

    @Option(name: .customLong("tls-certificate"), help: "PEM certificate chain: serve HTTPS (needs --tls-key).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of the certificate.")
    var tlsKey: String?

    @Flag(name: .long, help: "Run without authentication (throwaway local use; loopback only unless --anonymous-on-network).")
    var anonymous = false

    @Flag(name: .customLong("anonymous-on-network"), help: "Allow --anonymous on a non-loopback address.")
    var anonymousOnNetwork = false

    @Option(name: .customLong("metrics-token"), help: "A bearer token that may read /metrics (besides administrators).")
    var metricsToken: String?

    @Option(name: .customLong("rate-limit"), help: "Requests per second per account; past it 429 (default: unlimited).")
    var rateLimit: Double?

    @Option(name: .customLong("max-uploads"), help: "Uploads in progress per account (default 64).")
    var maxUploads: Int?

    @Option(name: .customLong("max-blob-size"), help: "Largest blob in bytes (default 64 GiB).")
    var maxBlobSize: Int64?

    @Option(name: .customLong("header-deadline"), help: "A request's headers must arrive within this, e.g. 30s (default 30s).")
    var headerDeadline: String?

    @Option(name: .customLong("max-header-size"), help: "Largest request header field and header block in bytes (default 81920).")
    var maxHeaderSize: Int?

    @Option(name: .customLong("min-body-rate"), help: "Slowest request body in bytes/s after 30 s (default 1024; 0: no minimum).")
    var minBodyRate: Int?

    @Option(name: .customLong("idle-timeout"), help: "Close connections idle this long, e.g. 30s (default 30s): slow clients are cut off.")
    var idleTimeout: String?

    @Option(name: .customLong("cached-push-prefix"), help: "Bytes of each blob written through the page cache before O_DIRECT takes over, so a blob just pushed is cached for its first pull (default 64 MiB, within a quarter of the available memory; 0: O_DIRECT from the first buffer).")
    var cachedPushPrefix: Int64?

    @Flag(name: .customLong("buffered-writes"), help: "Write blobs through the page cache only (no O_DIRECT): a blob just pushed stays cached for its first pull, at more CPU per pushed byte.")
    var bufferedWrites = false

    @Option(name: .customLong("map-size"), help: "Bytes of address space the index may use (default 1 TiB, sparse: only used pages cost disk). A store whose index is full answers 507; restart with a larger --map-size to go on.")
    var mapSize: Int?

    @Option(name: .customLong("trust-listen"), help: "Also serve the Docker Content Trust (Notary) API on HOST:PORT of its own, e.g. 0.0.0.0:4443 (needs --tls-certificate).")
    var trustListen: String?

    @Flag(name: .customLong("no-interface"), help: "Serve no web interface at / (the OCI API and the admin API only).")
    var noInterface = false

    @Option(name: .long, help: "A JSON config file.")
    var config: String?

    func run() async throws {
        let settings: ServeSettings
        do {
            settings = try ServeSettings.resolve(flags: self, environment: ProcessInfo.processInfo.environment)
        } catch {
            printError("berth serve: \(error)")
            throw ExitCode(2)
        }
        var configuredLogger = switch settings.logFormat {
        case .text: Logger(label: "berth", factory: { TextLogHandler(label: $0) })
        case .json: Logger(label: "berth", factory: { JSONLogHandler(label: $0) })
        }
        configuredLogger.logLevel = settings.logLevel
        let logger = configuredLogger
        // The engine's and the routes' figures go to the process's swift-metrics backend:
        // Prometheus, which GET /metrics serves.
        let exposition = PrometheusExposition()
        MetricsSystem.bootstrap(exposition.factory)

        let registry: FileRegistry
        do {
            registry = try await FileRegistry.open(RegistryConfiguration(root: settings.root, uploadExpiry: settings.uploadExpiry, mapSize: settings.mapSize,
                                                                     maximumBlobSize: settings.maximumBlobSize,
                                                                     minimumBodyRate: settings.minimumBodyRate == 0 ? nil : settings.minimumBodyRate,
                                                                     directBlobWrites: !settings.bufferedWrites,
                                                                     cachedPushPrefix: CachedPushPrefix(maximumBytesPerBlob: settings.cachedPushPrefix,
                                                                                                        memoryShare: CachedPushPrefix.standard.memoryShare)))
        } catch {
            printError("berth serve: \(error)")
            throw ExitCode(1)
        }
        var authentication: RegistryAuthentication?
        if settings.anonymous {
            logger.warning("AUTHENTICATION IS OFF (--anonymous): anyone who can reach this server can push, pull and delete anything")
        } else {
            do {
                authentication = RegistryAuthentication(signingKey: try AuthBootstrap.signingKey(layout: registry.layout),
                                                        metricsToken: settings.metricsToken)
                try await AuthBootstrap.firstAdministrator(registry: registry, layout: registry.layout,
                                                           environment: ProcessInfo.processInfo.environment, logger: logger)
            } catch {
                await registry.close()
                printError("berth serve: cannot set up authentication: \(error)")
                throw ExitCode(1)
            }
        }
        let transport = HTTPReplicationTransport()
        let replicator: Replicator<FileBlobStore>
        do {
            replicator = try await Replicator(registry: registry, transport: transport)
        } catch {
            await transport.shutdown()
            await registry.close()
            printError("berth serve: cannot load the replication settings: \(error)")
            throw ExitCode(1)
        }
        let interface: WebInterface<RegistryRequestContext, FileBlobStore>?
        do {
            interface = settings.webInterface ? try WebInterface(
                registry: registry, requiresAccounts: authentication != nil,
                secureCookies: settings.tlsCertificate != nil || settings.externalURL?.lowercased().hasPrefix("https://") == true,
                replication: replicator, pullHost: settings.externalURL.flatMap { URL(string: $0) }.flatMap { url in
                    url.host.map { host in url.port.map { "\(host):\($0)" } ?? host }
                }, trustForwardedFor: settings.trustForwardedHeaders, logger: logger) : nil
        } catch {
            await transport.shutdown()
            await registry.close()
            printError("berth serve: cannot prepare the web interface: \(error)")
            throw ExitCode(1)
        }
        // The server is BerthHTTP's: this command only maps its settings onto it.
        let app: Application<RouterResponder<RegistryRequestContext>>
        do {
            app = try RegistryServer.application(
                registry: registry,
                configuration: settings.serverConfiguration(host: settings.host, port: settings.port),
                options: RegistryRoutesOptions(externalURL: settings.externalURL, trustForwardedHeaders: settings.trustForwardedHeaders,
                                               authentication: authentication, maximumUploadsPerPrincipal: settings.maximumUploads,
                                               requestsPerSecond: settings.rateLimit),
                exposition: exposition,
                logger: logger,
                replication: replicator,
                additionalRoutes: { router in interface?.register(on: router) },
                onServerRunning: { channel in
                    logger.notice("berth is serving", metadata: [
                        "root": .string(settings.root),
                        "scheme": .string(settings.tlsCertificate == nil ? "http" : "https"),
                        "address": .string(channel.localAddress?.description ?? "\(settings.host):\(settings.port)"),
                    ])
                })
        } catch {
            await transport.shutdown()
            await registry.close()
            printError("berth serve: cannot use the TLS certificate or key: \(error)")
            throw ExitCode(2)
        }
        // The trust API on a listener of its own (Notary's usual :4443), same engine and TLS.
        var trustApp: Application<RouterResponder<RegistryRequestContext>>?
        if let trust = settings.trustListen {
            var trustOptions = RegistryRoutesOptions(externalURL: settings.externalURL, trustForwardedHeaders: settings.trustForwardedHeaders,
                                                     authentication: authentication, requestsPerSecond: settings.rateLimit)
            trustOptions.trustOnly = true
            trustOptions.registryHosts = ["\(settings.host):\(settings.port)"]
            do {
                trustApp = try RegistryServer.application(
                    registry: registry,
                    configuration: settings.serverConfiguration(host: trust.host, port: trust.port),
                    options: trustOptions, logger: logger,
                    onServerRunning: { channel in
                        logger.notice("berth is serving Docker Content Trust", metadata: ["address": .string(channel.localAddress?.description ?? "\(trust.host):\(trust.port)")])
                    })
            } catch {
                await transport.shutdown()
                await registry.close()
                printError("berth serve: cannot start the trust listener: \(error)")
                throw ExitCode(2)
            }
        }
        var groupConfiguration = ServiceGroupConfiguration(
            // A group stops its services in reverse order: the server first, so requests in
            // flight finish (and no new ones start) while a scheduled collection completes.
            services: [
                .init(service: MaintenanceService(registry: registry, logger: logger)),
                .init(service: ReplicationService(replicator: replicator)),
                .init(service: app),
            ] + (trustApp.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []),
            logger: logger)
        groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        groupConfiguration.maximumGracefulShutdownDuration = settings.shutdownTimeout
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            logger.error("server stopped with an error", metadata: ["error": .string(String(describing: error))])
            await replicator.shutdown()
            await transport.shutdown()
            await registry.close()
            throw ExitCode(1)
        }
        await replicator.shutdown()
        await transport.shutdown()
        await registry.close()
        logger.notice("berth stopped")
    }
}
