import BerthEngine
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// A whole registry server: the OCI routes, the admin API, `GET /healthz`, `GET /metrics`, the access log.
/// `berth serve` runs exactly this; embedders who want the routes alone use `RegistryRoutes`.
public enum RegistryServer {
    /// Builds the router of a standalone registry.
    public static func router(registry: Registry, options: RegistryRoutesOptions = RegistryRoutesOptions(),
                              metrics: RegistryMetrics = RegistryMetrics(),
                              logger: Logger = Logger(label: "berth")) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: RequestObservationMiddleware(metrics: metrics, logger: logger))
        if let rate = options.requestsPerSecond { router.add(middleware: RateLimitMiddleware(requestsPerSecond: rate)) }
        router.get("/healthz") { _, _ -> Response in
            // Healthy when the index answers a read.
            do {
                _ = try registry.catalog(limit: 1)
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "ok\n")))
            } catch {
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: "index unavailable: \(error)\n")))
            }
        }
        router.get("/metrics") { request, _ -> Response in
            if let authentication = options.authentication, !(await Self.mayReadMetrics(request, authentication, registry)) {
                var error = OCIError("UNAUTHORIZED", .unauthorized, "metrics need administrator credentials or the metrics token")
                error.headers[.wwwAuthenticate] = #"Basic realm="\#(authentication.service)""#
                return error.response()
            }
            let uploads = (try? registry.index.allUploads().count) ?? 0
            let text = metrics.render(uploadsInProgress: uploads)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        var options = options
        options.logger = logger
        RegistryRoutes<BasicRequestContext>(registry: registry, options: options).register(on: router)
        AdminRoutes<BasicRequestContext>(registry: registry, authentication: options.authentication).register(on: router)
        return router
    }

    /// Administrators (Basic or token) and holders of the configured metrics token.
    static func mayReadMetrics(_ request: Request, _ authentication: RegistryAuthentication, _ registry: Registry) async -> Bool {
        guard let header = request.headers[.authorization] else { return false }
        if let token = authentication.metricsToken, header == "Bearer \(token)" { return true }
        guard let identity = try? await authentication.identity(of: request, registry: registry, challenge: "") else { return false }
        return identity.principal.isAdmin
    }
}
