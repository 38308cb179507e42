import BerthEngine
import BerthHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
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
}
