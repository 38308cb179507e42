import BerthEngine
import BerthHTTP
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import BerthTestSupport
import Testing

@Suite struct EmbeddingTests {
    @Test func registryRoutesMountBesideAnApplicationsOwnRoutes() async throws {
        let root = NSTemporaryDirectory() + "berth-embed-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = try await FileRegistry.open(RegistryConfiguration(root: root, ioThreads: 2, mapSize: 1 << 28))
        let router = Router()
        router.get("/hello") { _, _ in "hello from the host app" }
        router.get("/api/items") { _, _ in "[]" }
        RegistryRoutes<BasicRequestContext, FileBlobStore>(registry: registry).register(on: router)
        let app = Application(router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let hello = try await client.execute(uri: "/hello", method: .get)
            #expect(String(buffer: hello.body) == "hello from the host app")
            let base = try await client.execute(uri: "/v2/", method: .get)
            #expect(base.status == .ok)
            #expect(base.header("Docker-Distribution-API-Version") == "registry/2.0")
            let digest = try await pushBlob(client, "embedded/app", bytes(1000))
            let head = try await client.execute(uri: "/v2/embedded/app/blobs/\(digest)", method: .head)
            #expect(head.status == .ok)
            let items = try await client.execute(uri: "/api/items", method: .get)
            #expect(String(buffer: items.body) == "[]")
        }
        await registry.close()
    }

    @Test func anEmbedderRunsTheServerBerthServeRunsAndCurlPullsABlobWhole() async throws {
        let root = NSTemporaryDirectory() + "berth-embed-server-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = try await FileRegistry.open(RegistryConfiguration(root: root, ioThreads: 2, mapSize: 1 << 28))
        let content = bytes(3 << 20, seed: 5)
        let digest = sha256(content)
        _ = try await registry.pushBlob(to: try RepositoryName(parsing: "embedded/app"), digest: digest, bytes: content)
        let exposition = PrometheusExposition()
        let app = try RegistryServer.application(registry: registry,
                                                 configuration: RegistryServerConfiguration(host: "127.0.0.1", port: 0),
                                                 exposition: exposition)
        do {
            try await app.test(.live) { client in
                let port = try #require(client.port)
                // curl, a real client, against the assembled server (plain HTTP: the zero-copy pipeline).
                let output = NSTemporaryDirectory() + "berth-embed-pull-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: output) }
                let (status, headerText) = try await offPool { () throws -> (Int32, String) in
                    let curl = try ChildProcess.run("curl", ["-s", "-D", "-", "-o", output, "http://127.0.0.1:\(port)/v2/embedded/app/blobs/\(digest)"])
                    return (curl.status, curl.stdout.lowercased())
                }
                #expect(status == 0)
                #expect(headerText.contains("server: berth"))
                #expect(FileManager.default.contents(atPath: output).map { sha256(Array($0)) } == digest)
                // The server's own endpoints come with it.
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                #expect(try await client.execute(uri: "/metrics", method: .get).status == .ok)
            }
        } catch {
            await registry.close()
            throw error
        }
        await registry.close()
    }
}
