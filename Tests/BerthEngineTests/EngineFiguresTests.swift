import BerthModel
import Foundation
import MetricsTestKit
import Testing
@testable import BerthEngine

/// The engine's figures (`EngineMetrics`) through swift-metrics, read with its test backend.
@Suite struct EngineFiguresTests {
    /// Waits until `condition` holds (the blob store's first walk runs in the background). At
    /// most 30 s: a bound for a stalled machine, not a margin.
    func eventually(_ condition: () throws -> Bool) async throws {
        for _ in 0..<300 {
            if (try? condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try condition())
    }

    @Test func anEngineOpenedOnAStoreCountsItsBlobsAndBytesAfterItsFirstWalk() async throws {
        let root = TemporaryRoot()
        let first = try await root.open()
        var total: Int64 = 0
        for seed in 0..<5 {
            let content = pseudoRandomBytes(1000 + seed, seed: UInt64(seed))
            _ = try await first.pushBlob(to: repo("app"), digest: sha256(content), bytes: content)
            total += Int64(content.count)
        }
        await first.close()
        let metrics = TestMetrics()
        var configuration = root.configuration()
        configuration.metricsFactory = metrics
        let registry = try await FileRegistry.open(configuration)
        try await eventually { try metrics.expectMeter("berth_blobs_stored").lastValue == 5 }
        #expect(try metrics.expectMeter("berth_blob_bytes_stored").lastValue == Double(total))
        #expect(try metrics.expectCounter("berth_ingested_blobs_total").totalValue == 0)
        await registry.close()
    }

    @Test func theIndexFiguresOfAnEngineStartFromWhatItHolds() async throws {
        let root = TemporaryRoot()
        let first = try await root.open()
        for seed in 0..<3 {
            let image = try await makeImage(first, repo("app"), seed: UInt64(seed))
            _ = try await first.putManifest(image.bytes, contentType: ociManifest, in: repo("app"), reference: .tag(tag("v\(seed)")))
        }
        await first.close()
        let metrics = TestMetrics()
        var configuration = root.configuration()
        configuration.metricsFactory = metrics
        let registry = try await FileRegistry.open(configuration)
        #expect(try metrics.expectMeter("berth_manifests").lastValue == 3)
        #expect(try metrics.expectMeter("berth_tags").lastValue == 3)
        #expect(try metrics.expectMeter("berth_index_map_size_bytes").lastValue == Double(1 << 30))
        await registry.close()
    }

    @Test func anAuditEventThatCannotBeWrittenIsCounted() async throws {
        let metrics = TestMetrics()
        try await withRegistry(configure: { $0.mapSize = 1 << 20; $0.metricsFactory = metrics }) { registry, _ in
            // Fill the 1 MiB map with documents that do not compress.
            let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
            _ = try await registry.pushBlob(to: repo("app"), digest: sha256(config), bytes: config)
            var full = false
            for index in 0..<40 where !full {
                let filler = String(decoding: pseudoRandomBytes(150_000, seed: UInt64(index)).map { 0x61 + $0 % 26 }, as: UTF8.self)
                let text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(sha256(config))","size":\#(config.count)},"layers":[],"annotations":{"filler":"\#(filler)"}}"#
                do {
                    _ = try await registry.putManifest(Array(text.utf8), contentType: ociManifest, in: repo("app"), reference: .tag(tag("m\(index)")))
                } catch RegistryError.storageFull {
                    full = true
                }
            }
            #expect(full)
            #expect(try metrics.expectCounter("berth_write_failures_total", [("kind", "storage_full")]).totalValue >= 1)
            await registry.access.audit(AuditEvent(actor: "test", action: "push", detail: String(repeating: "y", count: 200_000)))
            #expect(try metrics.expectCounter("berth_audit_write_failures_total").totalValue == 1)
        }
    }

    @Test func aRefusedManifestIsNotAFailureOfTheStorage() async throws {
        let metrics = TestMetrics()
        try await withRegistry(configure: { $0.metricsFactory = metrics }) { registry, _ throws in
            let missing = sha256("missing")
            let text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(missing)","size":7},"layers":[]}"#
            var refusal: RegistryError?
            do {
                _ = try await registry.putManifest(Array(text.utf8), contentType: ociManifest, in: repo("app"), reference: .tag(tag("v1")))
            } catch {
                refusal = error as? RegistryError
            }
            #expect(refusal == .manifestBlobUnknown(missing))
            #expect(try metrics.expectCounter("berth_write_failures_total", [("kind", "storage_full")]).totalValue == 0)
            #expect(try metrics.expectCounter("berth_write_failures_total", [("kind", "io_error")]).totalValue == 0)
        }
    }
}
