import BerthEngine
import CoreMetrics
import Prometheus

/// Berth's figures in Prometheus' text format: one collector registry, the swift-metrics
/// factory that fills it, with Berth's histogram buckets, and the text `GET /metrics` serves.
///
/// `berth serve` makes one and bootstraps the process's swift-metrics backend with its
/// factory. Tests and embedders that want a `/metrics` of their own make one per server and
/// hand its factory to the engine (`RegistryConfiguration.metricsFactory`) and the routes
/// (`RegistryMetrics(factory:)`), so that counts never mix between servers.
public struct PrometheusExposition: Sendable {
    /// Where the figures are kept.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory that makes handles in `registry`.
    public let factory: PrometheusMetricsFactory

    /// An exposition of a new, empty registry (or of `registry`).
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = RegistryMetrics.durationBuckets.map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) }
        // Writes per index transaction: 1 alone, up to the writer's batch limit under load.
        factory.valueHistogramBuckets["berth_index_write_batch_jobs"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        self.factory = factory
    }

    /// Every figure, in the text exposition format (version 0.0.4).
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return buffer
    }
}
