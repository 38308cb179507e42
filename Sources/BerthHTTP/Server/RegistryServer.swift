import BerthEngine
import CoreMetrics
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// A whole registry server: the OCI routes, the admin API, `GET /healthz`, `GET /metrics`, the access log.
/// `berth serve` runs exactly this; embedders who want the routes alone use `RegistryRoutes`.
public enum RegistryServer {
    /// Builds the router of a standalone registry. Its context, ``RegistryRequestContext``,
    /// carries the client's address, which the rate limit and the access log need.
    /// - Parameters:
    ///   - metrics: the HTTP figures (nil: made from `exposition`'s factory, or from the
    ///     process's swift-metrics backend without one).
    ///   - exposition: what `GET /metrics` serves; nil: no `/metrics` route (an embedder with a
    ///     metrics backend of its own exposes its figures itself).
    ///   - replication: replication's admin API (`/admin/v1/replication`); nil: none.
    public static func router<Store: BlobStore>(registry: Registry<Store>, options: RegistryRoutesOptions = RegistryRoutesOptions(),
                              metrics: RegistryMetrics? = nil, exposition: PrometheusExposition? = nil,
                              logger: Logger = Logger(label: "berth"), replication: Replicator<Store>? = nil) -> Router<RegistryRequestContext> {
        let metrics = metrics ?? RegistryMetrics(factory: exposition?.factory ?? MetricsSystem.factory)
        let router = Router(context: RegistryRequestContext.self)
        router.add(middleware: HeadResponseMiddleware())
        router.add(middleware: RequestObservationMiddleware(metrics: metrics, logger: logger))
        if let rate = options.requestsPerSecond {
            router.add(middleware: RateLimitMiddleware(requestsPerSecond: rate, authentication: options.authentication,
                                                       trustForwardedFor: options.trustForwardedHeaders))
        }
        router.get("/healthz") { _, _ -> Response in
            // Healthy when the index answers a read.
            do {
                _ = try registry.catalog(limit: 1)
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
            } catch {
                // The detail goes to the log only: this endpoint answers anyone.
                logger.error("health check: the index does not answer", metadata: ["error": .string(String(describing: error))])
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: "index unavailable\n")))
            }
        }
        if let exposition {
            router.get("/metrics") { request, _ -> Response in
                if let authentication = options.authentication, !(await Self.mayReadMetrics(request, authentication, registry)) {
                    var error = OCIError("UNAUTHORIZED", .unauthorized, "metrics need administrator credentials or the metrics token")
                    error.headers[.wwwAuthenticate] = #"Basic realm="\#(authentication.service)""#
                    return error.response()
                }
                return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                                body: ResponseBody(byteBuffer: ByteBuffer(bytes: exposition.render())))
            }
        }
        var options = options
        options.logger = logger
        RegistryRoutes<RegistryRequestContext, Store>(registry: registry, options: options).register(on: router)
        AdminRoutes<RegistryRequestContext, Store>(registry: registry, authentication: options.authentication, logger: logger,
                                                   replication: replication).register(on: router)
        return router
    }

    /// Administrators (Basic credentials, or a token carrying the admin scope) and holders of the
    /// configured metrics token. An administrator's token without the admin scope (one cached for
    /// pulls) does not do.
    static func mayReadMetrics<Store: BlobStore>(_ request: Request, _ authentication: RegistryAuthentication, _ registry: Registry<Store>) async -> Bool {
        guard let header = request.headers[.authorization] else { return false }
        if let token = authentication.metricsToken, !token.isEmpty, ConstantTime.sameSecret(header, "Bearer \(token)") { return true }
        guard let identity = try? await authentication.identity(of: request, access: registry.access, challenge: "") else { return false }
        return identity.administers
    }
}
