import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Logs one structured line per request (the access log) and feeds `RegistryMetrics`.
///
/// Latency is measured to the response head (bodies stream afterwards). Bytes in are those
/// `Content-Length` declares, or, for a body without one (chunked transfer encoding), those the
/// handler actually read; bytes out come from the response's `Content-Length`.
///
/// The access-log line (`request`, at `.info`) carries `method`, `path`, `route`, `status`,
/// `bytes_in`, `bytes_out`, `duration_ms`, and, when known, `client` (the connection's peer
/// address) and `account` (who authenticated; absent for anonymous requests).
public struct RequestObservationMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RegistryMetrics
    let logger: Logger
    let clientAddress: @Sendable (Context) -> String?

    /// A middleware recording into `metrics` and logging to `logger` (access log at `.info`),
    /// for a context that does not know the client's address.
    public init(metrics: RegistryMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
        self.clientAddress = { _ in nil }
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var request = request
        var counted: ByteCounter?
        if request.headers[.contentLength] == nil, request.headers[.transferEncoding] != nil {
            let counter = ByteCounter()
            request.body = RequestBody(asyncSequence: request.body.map { buffer in
                counter.add(buffer.readableBytes)
                return buffer
            })
            counted = counter
        }
        let account = RequestAccount()
        let response: Response
        do {
            response = try await RequestAccount.$current.withValue(account) { try await next(request, context) }
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            observe(request, context, account, status: status, start: start, bytesIn: counted?.total, bytesOut: 0)
            throw error
        }
        observe(request, context, account, status: response.status.code, start: start, bytesIn: counted?.total,
                bytesOut: request.method == .head ? 0 : response.headers[.contentLength].flatMap(Int.init) ?? 0)
        return response
    }

    private func observe(_ request: Request, _ context: Context, _ account: RequestAccount, status: Int, start: ContinuousClock.Instant,
                         bytesIn counted: Int?, bytesOut: Int) {
        let nanoseconds = TimeAmount(ContinuousClock.now - start).nanoseconds
        // The routes name what they parsed; only requests that never reached them (or failed
        // to parse) are parsed again here.
        let route = account.route ?? Self.routeLabel(request.uri.path.removingPercentEncoding ?? request.uri.path)
        let bytesIn = counted ?? request.headers[.contentLength].flatMap(Int.init) ?? 0
        metrics.record(route: route, method: request.method.rawValue, status: status, nanoseconds: nanoseconds,
                       bytesIn: bytesIn, bytesOut: bytesOut)
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "status": .stringConvertible(status),
            "route": .string(route),
            // Milliseconds to two decimals: a number in the JSON log, "1.25" in the text one.
            "duration_ms": .stringConvertible((Double(nanoseconds) / 10_000).rounded() / 100),
            "bytes_in": .stringConvertible(bytesIn),
            "bytes_out": .stringConvertible(bytesOut),
        ]
        if let client = clientAddress(context) { metadata["client"] = .string(client) }
        if let name = account.account { metadata["account"] = .string(name) }
        logger.info("request", metadata: metadata)
    }

    /// A low-cardinality label for a path: the endpoint, never the repository or digest.
    static func routeLabel(_ path: String) -> String {
        switch try? OCIRoute(path: path) {
        case let route?: route.label
        case nil:
            if path == "/metrics" || path == "/healthz" { String(path.dropFirst()) }
            else if path.hasPrefix("/admin/") { "admin" }
            else { "other" }
        }
    }
}

extension RequestObservationMiddleware where Context: RemoteAddressRequestContext {
    /// A middleware recording into `metrics` and logging to `logger` (access log at `.info`),
    /// with the client's address from the context.
    public init(metrics: RegistryMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
        self.clientAddress = { context in context.remoteAddress?.ipAddress }
    }
}

/// Bytes of a request body as the handler reads them.
private final class ByteCounter: Sendable {
    private let count = Mutex(0)
    func add(_ bytes: Int) { count.withLock { $0 += bytes } }
    var total: Int { count.withLock { $0 } }
}
