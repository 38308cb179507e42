import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Logs one structured line per request and feeds `RegistryMetrics`.
///
/// Latency is measured to the response head (bodies stream afterwards). Bytes in are those
/// `Content-Length` declares, or, for a body without one (chunked transfer encoding), those the
/// handler actually read; bytes out come from the response's `Content-Length`.
public struct RequestObservationMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RegistryMetrics
    let logger: Logger

    /// A middleware recording into `metrics` and logging to `logger` (access log at `.info`).
    public init(metrics: RegistryMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
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
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            observe(request, status: status, start: start, bytesIn: counted?.total, bytesOut: 0)
            throw error
        }
        observe(request, status: response.status.code, start: start, bytesIn: counted?.total,
                bytesOut: request.method == .head ? 0 : response.headers[.contentLength].flatMap(Int.init) ?? 0)
        return response
    }

    private func observe(_ request: Request, status: Int, start: ContinuousClock.Instant, bytesIn counted: Int?, bytesOut: Int) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let path = request.uri.path.removingPercentEncoding ?? request.uri.path
        let route = Self.routeLabel(path)
        let bytesIn = counted ?? request.headers[.contentLength].flatMap(Int.init) ?? 0
        metrics.record(route: route, method: request.method.rawValue, status: status, seconds: seconds,
                       bytesIn: bytesIn, bytesOut: bytesOut)
        logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "path": .string(request.uri.path),
            "status": .stringConvertible(status),
            "route": .string(route),
            "duration_ms": .string(String(format: "%.2f", seconds * 1000)),
            "bytes_in": .stringConvertible(bytesIn),
            "bytes_out": .stringConvertible(bytesOut),
        ])
    }

    /// A low-cardinality label for a path: the endpoint, never the repository or digest.
    static func routeLabel(_ path: String) -> String {
        switch try? OCIRoute(path: path) {
        case .base?: "base"
        case .catalog?: "catalog"
        case .tags?: "tags"
        case .manifest?: "manifest"
        case .blob?: "blob"
        case .uploads?: "uploads"
        case .upload?: "upload"
        case .referrers?: "referrers"
        case nil:
            if path == "/metrics" || path == "/healthz" { String(path.dropFirst()) }
            else if path.hasPrefix("/admin/") { "admin" }
            else { "other" }
        }
    }
}

/// Bytes of a request body as the handler reads them.
private final class ByteCounter: Sendable {
    private let count = Mutex(0)
    func add(_ bytes: Int) { count.withLock { $0 += bytes } }
    var total: Int { count.withLock { $0 } }
}
