import CoreMetrics
import Synchronization

/// The HTTP figures of a server, through swift-metrics: requests by route, method and status,
/// time to the response head, bytes in and out. Names and labels are those of Berth's first,
/// hand-written `/metrics` (dashboards keep working):
///
/// | name | kind | labels |
/// |---|---|---|
/// | `berth_http_requests_total` | counter | `route`, `method`, `status` |
/// | `berth_http_request_duration_seconds` | timer (a histogram in Prometheus) | |
/// | `berth_http_received_bytes_total` | counter | |
/// | `berth_http_sent_bytes_total` | counter | |
///
/// Handles are made once: the three fixed ones here, one request counter per route, method and
/// status the first time that combination is seen (a handful: routes are low-cardinality
/// labels, see `RequestObservationMiddleware.routeLabel`), never one per request.
public final class RegistryMetrics: Sendable {
    /// Upper bounds (seconds) of the latency histogram's buckets, as Berth's Prometheus
    /// exposition sets them for every timer.
    public static let durationBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private let factory: any MetricsFactory
    private let requests = Mutex<[Key: Counter]>([:])
    private let duration: CoreMetrics.Timer
    private let received: Counter
    private let sent: Counter

    /// Figures made from `factory` (by default the process's swift-metrics backend).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        duration = CoreMetrics.Timer(label: "berth_http_request_duration_seconds", factory: factory)
        received = Counter(label: "berth_http_received_bytes_total", factory: factory)
        sent = Counter(label: "berth_http_sent_bytes_total", factory: factory)
    }

    /// Records one finished request.
    func record(route: String, method: String, status: Int, nanoseconds: Int64, bytesIn: Int, bytesOut: Int) {
        let key = Key(route: route, method: method, status: status)
        let factory = factory
        let counter = requests.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: "berth_http_requests_total",
                                  dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
        duration.recordNanoseconds(nanoseconds)
        if bytesIn > 0 { received.increment(by: bytesIn) }
        if bytesOut > 0 { sent.increment(by: bytesOut) }
    }
}
