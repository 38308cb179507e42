import BerthEngine
import BerthHTTP
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `GET /metrics` in Prometheus' text format, as a scraper reads it: each sample's name with
/// its labels (`berth_gc_removed_total{kind="blob"}`) to its value.
func scrape(_ client: any TestClientProtocol, headers: HTTPFields = [:]) async throws -> [String: Double] {
    let response = try await client.execute(uri: "/metrics", method: .get, headers: headers)
    #expect(response.status == .ok)
    var samples: [String: Double] = [:]
    for line in String(buffer: response.body).split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        samples[String(line[..<space])] = value
    }
    return samples
}

/// Scrapes until `ready` holds (the blob store's first walk runs in the background; on an
/// empty store it ends within milliseconds). At most 30 s: a bound for a stalled machine.
func scrape(_ client: any TestClientProtocol, until ready: ([String: Double]) -> Bool) async throws -> [String: Double] {
    var samples = try await scrape(client)
    for _ in 0..<300 where !ready(samples) {
        try await Task.sleep(for: .milliseconds(100))
        samples = try await scrape(client)
    }
    return samples
}

@Suite struct PrometheusFiguresTests {
    @Test func aPushShowsInTheStoredAndIngestedFigures() async throws {
        try await withServer { client, _ in
            let image = try await pushImageBlobs(client, "app", seed: 1)
            #expect(try await putManifest(client, "app", "v1", image.bytes).status == .created)
            let configSize = Double(#"{"architecture":"amd64","os":"linux","seed":1}"#.utf8.count)
            let samples = try await scrape(client) { $0["berth_blobs_stored"] == 2 }
            #expect(samples["berth_blobs_stored"] == 2)
            #expect(samples["berth_blob_bytes_stored"] == configSize + 3000)
            #expect(samples["berth_ingested_blobs_total"] == 2)
            #expect(samples["berth_ingested_bytes_total"] == configSize + 3000)
            #expect(samples["berth_manifests"] == 1)
            #expect(samples["berth_tags"] == 1)
            #expect(samples[#"berth_http_requests_total{route="manifest",method="PUT",status="201"}"#] == 1)
            #expect(samples[#"berth_http_requests_total{route="uploads",method="POST",status="201"}"#] == 2)
        }
    }

    @Test func aPullCountsItsRequestAndSentBytes() async throws {
        try await withServer { client, _ in
            let digest = try await pushBlob(client, "app", bytes(5000, seed: 3))
            let before = try await scrape(client)
            let pull = try await client.execute(uri: "/v2/app/blobs/\(digest)", method: .get)
            #expect(pull.status == .ok)
            let after = try await scrape(client)
            #expect(after[#"berth_http_requests_total{route="blob",method="GET",status="200"}"#] == 1)
            #expect((after["berth_http_sent_bytes_total"] ?? 0) - (before["berth_http_sent_bytes_total"] ?? 0) >= 5000)
        }
    }

    @Test func indexWritesShowTheirTransactionsBatchesCommitTimesAndTheMap() async throws {
        try await withServer(mapSize: 1 << 28) { client, _ in
            let image = try await pushImageBlobs(client, "app", seed: 2)
            #expect(try await putManifest(client, "app", "v1", image.bytes).status == .created)
            let samples = try await scrape(client)
            let transactions = try #require(samples["berth_index_write_transactions_total"])
            #expect(transactions >= 3)
            #expect(samples["berth_index_commit_duration_seconds_count"] == transactions)
            #expect(samples["berth_index_write_batch_jobs_count"] == transactions)
            #expect((samples["berth_index_write_batch_jobs_sum"] ?? 0) >= transactions)
            #expect((samples["berth_index_map_used_bytes"] ?? 0) > 0)
            #expect(samples["berth_index_map_size_bytes"] == Double(1 << 28))
        }
    }

    @Test func uploadsInProgressCountSessionsAndTheBytesTheyHold() async throws {
        try await withServer { client, _ in
            let start = try await client.execute(uri: "/v2/app/blobs/uploads/", method: .post)
            #expect(start.status == .accepted)
            let location = try #require(start.headers[.location])
            let chunk = bytes(1000, seed: 4)
            let patch = try await client.execute(uri: location, method: .patch,
                                                 headers: [.contentType: "application/octet-stream", .contentRange: "0-999"],
                                                 body: ByteBuffer(bytes: chunk))
            #expect(patch.status == .accepted)
            let open = try await scrape(client)
            #expect(open["berth_uploads_in_progress"] == 1)
            #expect(open["berth_upload_bytes_in_progress"] == 1000)
            let next = try #require(patch.headers[.location])
            let separator = next.contains("?") ? "&" : "?"
            let finish = try await client.execute(uri: "\(next)\(separator)digest=\(sha256(chunk))", method: .put)
            #expect(finish.status == .created)
            let finished = try await scrape(client)
            #expect(finished["berth_uploads_in_progress"] == 0)
            #expect(finished["berth_upload_bytes_in_progress"] == 0)
            #expect(finished["berth_ingested_blobs_total"] == 1)
        }
    }

    @Test func aCollectionShowsItsRunDurationAndWhatItFreed() async throws {
        try await withServer { client, registry in
            let lonely = bytes(4096, seed: 5)
            try await pushBlob(client, "app", lonely)
            _ = try await scrape(client) { $0["berth_blobs_stored"] == 1 }
            let report = try await GarbageCollector(registry: registry).run(GarbageCollectionOptions(blobGrace: .zero))
            #expect(report.blobs.count == 1)
            let samples = try await scrape(client)
            #expect(samples["berth_gc_runs_total"] == 1)
            #expect(samples["berth_gc_duration_seconds_count"] == 1)
            #expect(samples[#"berth_gc_removed_total{kind="blob"}"#] == 1)
            #expect(samples[#"berth_gc_removed_total{kind="blob_link"}"#] == 1)
            #expect(samples[#"berth_gc_removed_total{kind="manifest"}"#] == 0)
            #expect(samples["berth_gc_freed_bytes_total"] == 4096)
            #expect(samples["berth_blobs_stored"] == 0)
            #expect(samples["berth_blob_bytes_stored"] == 0)
        }
    }

    @Test func aRetentionRunIsCountedWithWhatItRemoved() async throws {
        try await withServer { client, registry in
            for (index, tag) in ["v1", "v2", "v3"].enumerated() {
                let image = try await pushImageBlobs(client, "app", seed: UInt8(10 + index))
                #expect(try await putManifest(client, "app", tag, image.bytes).status == .created)
            }
            var policies = registry.policies
            policies.retention = [RetentionRule(repositories: "app", tags: "v*", keepLatest: 1)]
            try await registry.setPolicies(policies)
            let report = try await registry.runRetention(dryRun: false)
            #expect(report.tags.count == 2)
            let samples = try await scrape(client)
            #expect(samples["berth_retention_runs_total"] == 1)
            #expect(samples["berth_retention_duration_seconds_count"] == 1)
            #expect(samples[#"berth_retention_removed_total{kind="tag"}"#] == 2)
            #expect(samples[#"berth_retention_removed_total{kind="manifest"}"#] == 2)
            #expect(samples["berth_tags"] == 1)
            #expect(samples["berth_manifests"] == 1)
        }
    }

    @Test func aWriteTheFullIndexRefusesIsCountedAsStorageFull() async throws {
        // A 1 MiB map holds a handful of manifests of 150 KB that do not compress.
        try await withServer(mapSize: 1 << 20) { client, _ in
            let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
            let configDigest = try await pushBlob(client, "app", config)
            var refused: TestResponse?
            var generator = SystemRandomNumberGenerator()
            for index in 0..<40 {
                let filler = (0..<150_000).map { _ in UInt8.random(in: 0x61...0x7a, using: &generator) }
                let text = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\#(configDigest)","size":\#(config.count)},"layers":[],"annotations":{"filler":"\#(String(decoding: filler, as: UTF8.self))"}}"#
                let response = try await putManifest(client, "app", "m\(index)", Array(text.utf8))
                if response.status != .created {
                    refused = response
                    break
                }
            }
            let response = try #require(refused)
            #expect(response.status.code == 507)
            let samples = try await scrape(client)
            #expect((samples[#"berth_write_failures_total{kind="storage_full"}"#] ?? 0) >= 1)
            #expect(samples[#"berth_write_failures_total{kind="io_error"}"#] == 0)
            #expect(samples[#"berth_http_requests_total{route="manifest",method="PUT",status="507"}"#] == 1)
        }
    }

    @Test func countsOfOneServerNeverShowInAnother() async throws {
        try await withServer { client, _ in
            try await pushBlob(client, "app", bytes(100, seed: 6))
        }
        try await withServer { client, _ in
            let samples = try await scrape(client)
            #expect(samples["berth_ingested_blobs_total"] == 0)
            #expect(samples[#"berth_http_requests_total{route="uploads",method="POST",status="201"}"#] == nil)
        }
    }
}
