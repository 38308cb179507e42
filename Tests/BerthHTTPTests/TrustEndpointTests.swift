import BerthEngine
import BerthHTTP
import BerthModel
import BerthSigningTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The trust API's refusals through the server, with metadata signed by real P-256 keys: each
/// refused update answers 400 with its reason and leaves the stored metadata as it was.
@Suite struct TrustEndpointTests {
    static let gun = "registry.example/team/app"
    static let base = "/v2/\(gun)/_trust/tuf"

    /// Routes as behind the registry's TLS listener (the scheme the routes are told), with the
    /// external URL naming the GUN's host.
    static func withTrustServer(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withServer(options: RegistryRoutesOptions(externalURL: "https://registry.example", scheme: "https")) { client, _ in
            try await body(client)
        }
    }

    static func post(_ client: any TestClientProtocol, _ files: [String: [UInt8]]) async throws -> TestResponse {
        let boundary = "berth-test-boundary"
        var body: [UInt8] = []
        for (role, bytes) in files.sorted(by: { $0.key < $1.key }) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(role)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            body += bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return try await client.execute(uri: "\(base)/", method: .post, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                                        body: ByteBuffer(bytes: body))
    }

    /// The server's timestamp key, as the client fetches it before signing a root.
    static func timestampKey(_ client: any TestClientProtocol) async throws -> TUFKey {
        let response = try await client.execute(uri: "\(base)/timestamp.key", method: .get)
        #expect(response.status == .ok)
        return try TUFKey(try JSONValue(parsing: Array(buffer: response.body)))
    }

    @Test func aValidPublishIsServedAndEachTamperedUpdateIsRefusedWithItsReason() async throws {
        try await Self.withTrustServer { client in
            let repository = TUFTestRepository()
            defer { repository.remove() }
            let root = repository.root(timestampKey: try await Self.timestampKey(client))
            let targets = repository.targets(targets: ["v1": Array("image".utf8)])
            let accepted = try await Self.post(client, ["root": root, "targets": targets, "snapshot": repository.snapshot(pinning: ["root": root, "targets": targets])])
            #expect(accepted.status == .ok, "\(String(buffer: accepted.body))")
            let served = try await client.execute(uri: "\(Self.base)/targets.json", method: .get)
            #expect(Array(buffer: served.body) == targets)

            let refusals: [(String, [String: [UInt8]])] = {
                let forged = repository.targets(version: 2, targets: ["v2": [1]], signedBy: repository.snapshotKey)
                let expired = repository.targets(version: 2, expires: "2020-01-01T00:00:00Z")
                let newer = repository.targets(version: 2, targets: ["v2": [2]])
                return [
                    ("not signed", ["targets": forged, "snapshot": repository.snapshot(version: 2, pinning: ["root": root, "targets": forged])]),
                    ("expired", ["targets": expired, "snapshot": repository.snapshot(version: 2, pinning: ["root": root, "targets": expired])]),
                    ("does not increase", ["targets": targets, "snapshot": repository.snapshot(version: 2, pinning: ["root": root, "targets": targets])]),
                    ("snapshot:", ["targets": newer, "snapshot": repository.snapshot(version: 2, pinning: ["root": root, "targets": targets])]),
                ]
            }()
            for (reason, files) in refusals {
                let refused = try await Self.post(client, files)
                #expect(refused.status == .badRequest && String(buffer: refused.body).contains(reason), "\(reason): \(String(buffer: refused.body))")
                #expect(refused.errorCode == "INVALID_UPDATE")
                let still = try await client.execute(uri: "\(Self.base)/targets.json", method: .get)
                #expect(Array(buffer: still.body) == targets, "\(reason): nothing stored")
            }
        }
    }

    @Test func aGUNOfAnotherRegistryIsRefused() async throws {
        try await Self.withTrustServer { client in
            let response = try await client.execute(uri: "/v2/elsewhere.example/team/app/_trust/tuf/root.json", method: .get)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "NAME_INVALID")
        }
    }

    @Test func versionsAndChecksumsNameStoredFilesAndUnknownOnesAre404() async throws {
        try await Self.withTrustServer { client in
            let repository = TUFTestRepository()
            defer { repository.remove() }
            let root = repository.root(timestampKey: try await Self.timestampKey(client))
            let targets = repository.targets()
            #expect(try await Self.post(client, ["root": root, "targets": targets, "snapshot": repository.snapshot(pinning: ["root": root, "targets": targets])]).status == .ok)
            let checksum = try ContentHasher.digest(of: root).encoded
            #expect(Array(buffer: try await client.execute(uri: "\(Self.base)/1.root.json", method: .get).body) == root)
            #expect(Array(buffer: try await client.execute(uri: "\(Self.base)/root.\(checksum).json", method: .get).body) == root)
            #expect(try await client.execute(uri: "\(Self.base)/2.root.json", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "\(Self.base)/targets/unknown.json", method: .get).status == .notFound)
        }
    }
}
