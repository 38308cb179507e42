import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

/// The admin JSON API under `/admin/v1`: artifacts and their accessories, deletes, garbage
/// collection, retention runs, and the rules and policies. Documented in `Docs/admin-api.md`.
///
/// Errors use the same JSON format as the OCI API. (Access control arrives with a later issue;
/// until then, keep `berth serve` on loopback or behind a proxy that guards `/admin`.)
public struct AdminRoutes<Context: RequestContext>: Sendable {
    /// The engine the routes manage.
    public let registry: Registry

    /// Routes over `registry`.
    public init(registry: Registry) { self.registry = registry }

    /// Adds the `/admin/v1` routes to `router`.
    public func register(on router: some RouterMethods<Context>) {
        for method in [HTTPRequest.Method.get, .put, .post, .delete] {
            router.on(RouterPath("/admin/v1/**"), method: method) { request, _ in await self.respond(to: request) }
        }
    }

    /// Answers one admin request; failures become spec-format error responses.
    public func respond(to request: Request) async -> Response {
        do {
            return try await dispatch(request)
        } catch let error as OCIError {
            return error.response()
        } catch let error as RegistryError {
            return OCIError(error).response()
        } catch let error as ValidationError {
            return OCIError(error).response()
        } catch {
            return OCIError("UNKNOWN", .internalServerError, String(describing: error)).response()
        }
    }

    private func dispatch(_ request: Request) async throws -> Response {
        let path = request.uri.path.removingPercentEncoding ?? request.uri.path
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).dropFirst(2).map(String.init)
        let query = request.uri.queryParameters
        let dryRun = query["dryRun"].map { $0 == "true" || $0 == "1" } ?? false
        switch (request.method, parts.first) {
        case (.get, "policies") where parts.count == 1:
            return json(registry.policies)
        case (.put, "policies") where parts.count == 1:
            let body = try await request.body.collect(upTo: 1 << 20)
            let policies: RegistryPolicies
            do {
                policies = try JSONDecoder().decode(RegistryPolicies.self, from: Data(buffer: body))
            } catch {
                throw OCIError("INVALID_POLICY", .badRequest, "policies document is not valid: \(error)")
            }
            try await registry.setPolicies(policies)
            return json(registry.policies)
        case (.post, "gc") where parts.count == 1:
            var options = registry.policies.garbageCollection.options(dryRun: dryRun)
            if let untagged = query["untagged"] { options.collectUntagged = untagged == "true" || untagged == "1" }
            return json(try await GarbageCollector(registry: registry).run(options))
        case (.post, "retention") where parts.count == 1:
            return json(try await registry.runRetention(dryRun: dryRun))
        case (_, "repositories") where parts.count >= 3:
            return try await repositoryRequest(request.method, Array(parts.dropFirst()))
        default:
            throw OCIError.notFound
        }
    }

    /// `<name…>/artifacts`, `<name…>/artifacts/<digest>`, `<name…>/accessories/<reference>`.
    private func repositoryRequest(_ method: HTTPRequest.Method, _ parts: [String]) async throws -> Response {
        if parts.last == "artifacts", method == .get {
            let name = try RepositoryName(parsing: parts.dropLast().joined(separator: "/"))
            return json(try await registry.artifacts(in: name).map(AdminModels.Artifact.init))
        }
        guard parts.count >= 3 else { throw OCIError.notFound }
        let name = try RepositoryName(parsing: parts.dropLast(2).joined(separator: "/"))
        let target = parts[parts.count - 1]
        switch (method, parts[parts.count - 2]) {
        case (.get, "accessories"):
            let reference = try Reference(parsing: target)
            let subject = switch reference {
            case .digest(let digest): digest
            case .tag: try registry.manifestRecord(reference, in: name).digest
            }
            let tree = try registry.accessories(of: .digest(subject), in: name)
            return json(AdminModels.AccessoryTree(repository: name.value, subject: subject.description,
                                                  signed: try registry.isSigned(subject, in: name),
                                                  accessories: tree.map(AdminModels.Accessory.init)))
        case (.delete, "artifacts"):
            let removed = try await registry.deleteManifest(try Digest(parsing: target), in: name)
            return json(AdminModels.Removed(removed: removed.map(\.description)))
        default:
            throw OCIError.notFound
        }
    }

    private func json(_ value: some Encodable) -> Response {
        let data = (try? AdminModels.encoder().encode(value)) ?? Data("null".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json", .contentLength: String(data.count)],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
