import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The OCI Distribution v1.1 API (Docker-compatible) as routes on a Hummingbird router.
///
/// Mount it on an application's own router to serve `/v2/` beside other routes:
/// ```swift
/// let router = Router()
/// router.get("/hello") { _, _ in "hi" }
/// RegistryRoutes<BasicRequestContext, FileBlobStore>(registry: registry).register(on: router)
/// ```
///
/// Guarantees: every failure is answered in the spec's JSON error format with the spec's code
/// and status; request bodies stream into the engine and blobs stream out of it, never
/// buffered whole (manifests, at most 4 MiB, are the one body read into memory).
///
/// Generic over the engine's blob store, as `Registry` is: the same routes serve any store.
public struct RegistryRoutes<Context: RequestContext, Store: BlobStore>: Sendable {
    /// The engine the routes serve.
    public let registry: Registry<Store>
    /// URL and paging options.
    public let options: RegistryRoutesOptions

    /// Routes over `registry`.
    public init(registry: Registry<Store>, options: RegistryRoutesOptions = RegistryRoutesOptions()) {
        self.registry = registry
        self.options = options
    }

    /// Adds the `/v2` routes for every method the API uses to `router`, and `GET /token` when
    /// authentication is on.
    public func register(on router: some RouterMethods<Context>) {
        if let authentication = options.authentication {
            router.get("/token") { request, _ in
                do {
                    return try await self.issueToken(request, authentication)
                } catch let error as OCIError {
                    return error.response()
                } catch {
                    return OCIError.internal.response()
                }
            }
        }
        // Notary's health endpoint, which its clients and load balancers probe.
        router.get("/_notary_server/health") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .contentLength: "2"], body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
        let methods: [HTTPRequest.Method] = [.get, .head, .put, .post, .patch, .delete]
        for path in ["/v2", "/v2/**"] {
            for method in methods {
                router.on(RouterPath(path), method: method) { request, _ in
                    await self.respond(to: request)
                }
            }
        }
    }

    /// Answers one request of the API; never throws: failures become error responses.
    public func respond(to request: Request) async -> Response {
        var response: Response
        do {
            response = try await dispatch(request)
        } catch let error as OCIError {
            response = error.response()
        } catch let error as RegistryError {
            if OCIError(error) == .internal { logInternal(error, request) }
            response = OCIError(error).response()
        } catch let error as ValidationError {
            response = OCIError(error).response()
        } catch {
            logInternal(error, request)
            response = OCIError.internal.response()
        }
        response.headers[.dockerDistributionAPIVersion] = "registry/2.0"
        // An error answering a HEAD carries no body (over HTTP/2 one would break the connection).
        return request.method == .head ? response.headOnly() : response
    }

    private func dispatch(_ request: Request) async throws -> Response {
        let path = request.uri.path.removingPercentEncoding ?? request.uri.path
        if Self.isTrustPath(path) {
            RequestAccount.current?.route = "trust"
            return try await respondTrust(to: request, path: path)
        }
        // A listener of the trust API alone answers the base endpoint (clients probe it) and nothing else.
        if options.trustOnly, path != "/v2", path != "/v2/" { throw OCIError.notFound }
        guard let route = try OCIRoute(path: path) else { throw OCIError.notFound }
        RequestAccount.current?.route = route.label
        let method = request.method
        switch route {
        case .base:
            guard method == .get || method == .head else { break }
            try await authorizeBase(request)
            return jsonResponse(Data("{}".utf8), contentType: "application/json")
        case .catalog:
            guard method == .get else { break }
            return try await catalog(request)
        case .tags(let name):
            guard method == .get else { break }
            try await authorize(request, .pull, on: name)
            return try tags(request, name)
        case .manifest(let name, let reference):
            switch method {
            case .get, .head:
                let identity = try await authorizedIdentity(request, .pull, on: name)
                return try await getManifest(request, name, reference, identity: identity)
            case .put:
                let principal = try await authorize(request, .push, on: name)
                return try await putManifest(request, name, reference, principal: principal)
            case .delete:
                let principal = try await authorize(request, .delete, on: name)
                return try await deleteManifest(name, reference, principal: principal)
            default: break
            }
        case .blob(let name, let digest):
            switch method {
            case .get, .head:
                try await authorize(request, .pull, on: name)
                return try await getBlob(request, name, digest)
            case .delete:
                let principal = try await authorize(request, .delete, on: name)
                return try await deleteBlob(name, digest, principal: principal)
            default: break
            }
        case .uploads(let name):
            guard method == .post else { break }
            let identity = try await authorizedIdentity(request, .push, on: name)
            return try await startUpload(request, name, identity: identity)
        case .upload(let name, let id):
            let principal = try await authorize(request, .push, on: name)
            switch method {
            case .get: return try await uploadStatus(request, name, id, principal: principal)
            case .patch: return try await patchUpload(request, name, id, principal: principal)
            case .put: return try await putUpload(request, name, id, principal: principal)
            case .delete: return try await cancelUpload(name, id, principal: principal)
            default: break
            }
        case .referrers(let name, let digest):
            guard method == .get else { break }
            try await authorize(request, .pull, on: name)
            return try referrers(request, name, digest)
        }
        throw OCIError.unsupported("\(method.rawValue) is not supported on \(path)")
    }

    // MARK: Shared helpers

    func logInternal(_ error: any Error, _ request: Request) {
        options.logger.error("request failed inside the server", metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path),
            "error": .string(String(describing: error)),
        ])
    }

    /// The base for URLs in headers: the external URL, a trusted proxy's, or none (absolute paths).
    ///
    /// From a trusted proxy: the first element of `X-Forwarded-Host` and `X-Forwarded-Proto`
    /// (repeated fields arrive joined with ", ", and a chain of proxies lists the client-facing
    /// one first). A host that is not a plain `host[:port]` is ignored for the request's own
    /// authority, and a scheme other than `http` or `https` for the server's own scheme, so the
    /// URL is always well formed.
    func base(_ request: Request) -> String {
        if let external = options.externalURL { return external }
        guard options.trustForwardedHeaders else { return "" }
        let forwardedHost = Self.firstElement(request.headers[.xForwardedHost]).flatMap { Self.isPlainHost($0) ? $0 : nil }
        guard let host = forwardedHost ?? request.head.authority else { return "" }
        let forwardedScheme = Self.firstElement(request.headers[.xForwardedProto])?.lowercased()
        let scheme = forwardedScheme.flatMap { ["http", "https"].contains($0) ? $0 : nil } ?? options.scheme
        return "\(scheme)://\(host)"
    }

    /// The first element of a comma-separated header value, trimmed; nil when empty or absent.
    static func firstElement(_ value: String?) -> String? {
        guard let first = value?.split(separator: ",", omittingEmptySubsequences: false).first else { return nil }
        let trimmed = first.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Whether `text` can stand as the authority of a URL: a name or address and an optional
    /// port, nothing that would start a path, query, fragment or user part.
    static func isPlainHost(_ text: String) -> Bool {
        text.utf8.count <= 255 && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-.:[]_".unicodeScalars.contains(scalar))
        }
    }

    /// A JSON answer (`respond(to:)` drops the body when it answers a HEAD).
    func jsonResponse(_ data: Data, contentType: String, status: HTTPResponse.Status = .ok,
                      headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = contentType
        headers[.contentLength] = String(data.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    func parseDigest(_ text: String) throws -> Digest {
        do { return try Digest(parsing: text) } catch { throw OCIError(error) }
    }

    /// `n` and `last` of a listing; `n` absent means "all" (tags stream all of them; the
    /// catalog answers pages of the maximum page size with a `Link`).
    func paging(_ request: Request) throws -> (limit: Int, last: String?, explicit: Bool) {
        let query = request.uri.queryParameters
        let last = query["last"].map(String.init)
        guard let n = query["n"] else { return (options.maximumPageSize, last, false) }
        guard let limit = Int(n), limit >= 0 else {
            throw OCIError("PAGINATION_NUMBER_INVALID", .badRequest, "n must be a non-negative integer")
        }
        return (min(limit, options.maximumPageSize), last, true)
    }

    /// `<url>; rel="next"` for the page after `last`.
    func linkHeader(_ request: Request, path: String, limit: Int, last: String, extra: String = "") -> String {
        let encoded = last.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? last
        return "<\(base(request))\(path)?n=\(limit)&last=\(encoded)\(extra)>; rel=\"next\""
    }
}

extension CharacterSet {
    /// Characters that may stand unescaped in a query value.
    static let urlQueryValueAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~:/")
        return set
    }()
}

extension HTTPField.Name {
    static let dockerDistributionAPIVersion = literal("Docker-Distribution-API-Version")
    static let dockerContentDigest = literal("Docker-Content-Digest")
    static let dockerUploadUUID = literal("Docker-Upload-UUID")
    static let ociSubject = literal("OCI-Subject")
    static let ociFiltersApplied = literal("OCI-Filters-Applied")
    static let ociTag = literal("OCI-Tag")
    static let xForwardedHost = literal("X-Forwarded-Host")
    static let xForwardedProto = literal("X-Forwarded-Proto")
    static let xForwardedFor = literal("X-Forwarded-For")
    static let link = literal("Link")
    static let wwwAuthenticate = literal("WWW-Authenticate")

    /// A header name written in this file; only a typo here could fail, never a request.
    private static func literal(_ name: String) -> Self {
        guard let field = Self(name) else { preconditionFailure("invalid header name literal \(name)") }
        return field
    }
}
