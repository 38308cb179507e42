import Foundation
import Synchronization

/// Request counters and latency for `GET /metrics`, in Prometheus' text exposition format.
///
/// Kept by hand rather than through a metrics backend: a handful of counters and one histogram
/// behind a mutex cost less than a dependency, and the output is what Prometheus scrapes.
public final class RegistryMetrics: Sendable {
    /// Upper bounds (seconds) of the latency histogram's buckets.
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private struct State {
        var requests: [Key: Int] = [:]
        var bucketCounts = [Int](repeating: 0, count: RegistryMetrics.buckets.count)
        var latencyCount = 0
        var latencySum = 0.0
        var bytesIn = 0
        var bytesOut = 0
    }

    private let state = Mutex(State())

    /// An empty set of metrics.
    public init() {}

    /// Records one finished request.
    func record(route: String, method: String, status: Int, seconds: Double, bytesIn: Int, bytesOut: Int) {
        state.withLock { state in
            state.requests[Key(route: route, method: method, status: status), default: 0] += 1
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound {
                state.bucketCounts[index] += 1
            }
            state.latencyCount += 1
            state.latencySum += seconds
            state.bytesIn += bytesIn
            state.bytesOut += bytesOut
        }
    }

    /// The metrics in Prometheus text format; `uploadsInProgress` is read from the engine at scrape time.
    public func render(uploadsInProgress: Int) -> String {
        let snapshot = state.withLock { $0 }
        var out = ""
        out += "# HELP berth_http_requests_total HTTP requests by route, method and status.\n"
        out += "# TYPE berth_http_requests_total counter\n"
        for (key, count) in snapshot.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out += "berth_http_requests_total{route=\"\(key.route)\",method=\"\(key.method)\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP berth_http_request_duration_seconds Time to produce a response's head.\n"
        out += "# TYPE berth_http_request_duration_seconds histogram\n"
        for (index, bound) in Self.buckets.enumerated() {
            out += "berth_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(snapshot.bucketCounts[index])\n"
        }
        out += "berth_http_request_duration_seconds_bucket{le=\"+Inf\"} \(snapshot.latencyCount)\n"
        out += "berth_http_request_duration_seconds_sum \(snapshot.latencySum)\n"
        out += "berth_http_request_duration_seconds_count \(snapshot.latencyCount)\n"
        out += "# HELP berth_http_received_bytes_total Request body bytes (declared by Content-Length, or counted for chunked bodies).\n"
        out += "# TYPE berth_http_received_bytes_total counter\n"
        out += "berth_http_received_bytes_total \(snapshot.bytesIn)\n"
        out += "# HELP berth_http_sent_bytes_total Response body bytes declared by Content-Length.\n"
        out += "# TYPE berth_http_sent_bytes_total counter\n"
        out += "berth_http_sent_bytes_total \(snapshot.bytesOut)\n"
        out += "# HELP berth_uploads_in_progress Open blob upload sessions.\n"
        out += "# TYPE berth_uploads_in_progress gauge\n"
        out += "berth_uploads_in_progress \(uploadsInProgress)\n"
        return out
    }
}
