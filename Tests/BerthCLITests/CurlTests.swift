import BerthEngine
import Foundation
import Testing

/// The API driven with curl exactly as the distribution spec describes it.
@Suite(.serialized) struct CurlTests {
    /// Runs curl; returns the status code, the response headers (lowercased names) and the body.
    private func curl(_ arguments: [String]) async throws -> (status: Int, headers: [String: String], body: String) {
        let headerFile = NSTemporaryDirectory() + "berth-curl-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: headerFile) }
        let result = try await run("curl", ["-s", "-D", headerFile, "-w", "\n%{http_code}"] + arguments)
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in (try? String(contentsOfFile: headerFile, encoding: .utf8))?.split(separator: "\r\n") ?? [] {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return (status, headers, lines.joined(separator: "\n"))
    }

    @Test func aChunkedUploadInThreePatchesAndACrossRepositoryMount() async throws {
        let server = try ServerProcess()
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let directory = NSTemporaryDirectory() + "berth-curl-chunks-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let parts = (0..<3).map { index in Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * (index + 3)) }) }
        for (index, part) in parts.enumerated() { try part.write(to: URL(fileURLWithPath: "\(directory)/part\(index)")) }
        let whole = parts.reduce(Data(), +)
        let digest = try ContentHasher.digest(of: Array(whole))

        let start = try await curl(["-X", "POST", "\(server.baseURL)/v2/curl/app/blobs/uploads/"])
        #expect(start.status == 202)
        var location = try #require(start.headers["location"])
        for index in 0..<3 {
            let range = "\(index * 10_000)-\(index * 10_000 + 9999)"
            let patch = try await curl(["-X", "PATCH", "-H", "Content-Type: application/octet-stream", "-H", "Content-Range: \(range)",
                                  "--data-binary", "@\(directory)/part\(index)", "\(server.baseURL)\(location)"])
            #expect(patch.status == 202)
            #expect(patch.headers["range"] == "0-\(index * 10_000 + 9999)")
            location = patch.headers["location"] ?? location
        }
        let put = try await curl(["-X", "PUT", "\(server.baseURL)\(location)?digest=\(digest)"])
        #expect(put.status == 201)
        #expect(put.headers["docker-content-digest"] == digest.description)
        let head = try await curl(["-I", "\(server.baseURL)/v2/curl/app/blobs/\(digest)"])
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == "30000")

        let mount = try await curl(["-X", "POST", "\(server.baseURL)/v2/curl/other/blobs/uploads/?mount=\(digest)&from=curl/app"])
        #expect(mount.status == 201)
        #expect(mount.headers["location"] == "/v2/curl/other/blobs/\(digest)")
        let pulled = try await run("curl", ["-s", "-o", "\(directory)/pulled", "\(server.baseURL)/v2/curl/other/blobs/\(digest)"])
        #expect(pulled.status == 0)
        #expect(FileManager.default.contents(atPath: "\(directory)/pulled") == whole)
    }

    @Test func aChunkedPatchCountsItsBytesInTheMetrics() async throws {
        let server = try ServerProcess()
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let file = NSTemporaryDirectory() + "berth-curl-chunked-\(UUID().uuidString)"
        try Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 * 7) }).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        func received() async throws -> Int {
            let metrics = try await curl(["\(server.baseURL)/metrics"]).body
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("berth_http_received_bytes_total ") }
            return line.flatMap { Int($0.split(separator: " ")[1]) } ?? -1
        }
        let start = try await curl(["-X", "POST", "\(server.baseURL)/v2/curl/chunked/blobs/uploads/"])
        let location = try #require(start.headers["location"])
        let before = try await received()
        // No Content-Length: curl sends the body with chunked transfer encoding.
        let patch = try await curl(["-X", "PATCH", "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/octet-stream",
                              "--data-binary", "@\(file)", "\(server.baseURL)\(location)"])
        #expect(patch.status == 202)
        #expect(patch.headers["range"] == "0-69999")
        #expect(try await received() - before == 70_000)
    }

    @Test func aChunkedPatchLongerThanItsContentRangeKeepsOnlyTheRangeAndIsRefused() async throws {
        let server = try ServerProcess()
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let file = NSTemporaryDirectory() + "berth-curl-overrun-\(UUID().uuidString)"
        try Data((0..<5000).map { UInt8(truncatingIfNeeded: $0) }).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let start = try await curl(["-X", "POST", "\(server.baseURL)/v2/curl/overrun/blobs/uploads/"])
        let location = try #require(start.headers["location"])
        // 5 000 bytes sent chunked under a range that declares 1 000.
        let patch = try await curl(["-X", "PATCH", "-H", "Transfer-Encoding: chunked", "-H", "Content-Type: application/octet-stream",
                              "-H", "Content-Range: 0-999", "--data-binary", "@\(file)", "\(server.baseURL)\(location)"])
        #expect(patch.status == 400)
        #expect(patch.body.contains("BLOB_UPLOAD_INVALID"))
        let status = try await curl(["\(server.baseURL)\(location)"])
        #expect(status.status == 204)
        #expect(status.headers["range"] == "0-999")
    }
}
