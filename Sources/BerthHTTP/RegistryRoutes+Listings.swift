import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

/// `/v2/_catalog`, `/v2/<name>/tags/list` and `/v2/<name>/referrers/<digest>`.
extension RegistryRoutes {
    func catalog(_ request: Request) async throws -> Response {
        let paging = try paging(request)
        let identity = try await identity(request, scope: TokenScope(type: "registry", name: "catalog", actions: ["*"]))
        let page: Page<RepositoryName>
        if let identity {
            // Only what the caller may pull; pages are filled past hidden names.
            var visible: [RepositoryName] = []
            var last = paging.last
            var more = true
            while visible.count < paging.limit && more {
                let batch = try registry.catalog(after: last, limit: max(paging.limit, 100))
                for name in batch.items where visible.count < paging.limit {
                    if try registry.allowedActions(identity.principal, on: name).contains(.pull) { visible.append(name) }
                    last = name.value
                }
                more = batch.hasMore || (batch.items.last.map { $0.value != last } ?? false)
                if visible.count >= paging.limit { break }
            }
            page = Page(items: visible, hasMore: more)
        } else {
            page = try registry.catalog(after: paging.last, limit: paging.limit)
        }
        let body: [String: Any] = ["repositories": page.items.map(\.value)]
        var headers: HTTPFields = [:]
        if page.hasMore, let last = page.items.last {
            headers[.link] = linkHeader(request, path: "/v2/_catalog", limit: paging.limit, last: last.value)
        }
        return jsonResponse(try JSONSerialization.data(withJSONObject: body), contentType: "application/json", headers: headers)
    }

    func tags(_ request: Request, _ name: RepositoryName) throws -> Response {
        let paging = try paging(request)
        let page = try registry.tags(in: name, after: paging.last, limit: paging.limit)
        let body: [String: Any] = ["name": name.value, "tags": page.items.map(\.value)]
        var headers: HTTPFields = [:]
        if page.hasMore, let last = page.items.last {
            headers[.link] = linkHeader(request, path: "/v2/\(name)/tags/list", limit: paging.limit, last: last.value)
        }
        return jsonResponse(try JSONSerialization.data(withJSONObject: body), contentType: "application/json", headers: headers)
    }

    func referrers(_ request: Request, _ name: RepositoryName, _ text: String) throws -> Response {
        let subject = try parseDigest(text)
        let query = request.uri.queryParameters
        // An empty or malformed filter can match nothing stored: treat an empty one as absent.
        let artifactType = query["artifactType"].flatMap { $0.isEmpty ? nil : MediaType(rawValue: String($0)) }
        var descriptors = try registry.referrers(of: subject, in: name, artifactType: artifactType)
        var headers: HTTPFields = [:]
        if artifactType != nil { headers[.ociFiltersApplied] = "artifactType" }
        // Pages follow the engine's order (artifact type, then digest); `last` is a referrer digest.
        if let last = query["last"].map(String.init), let position = descriptors.firstIndex(where: { $0.digest.description == last }) {
            descriptors.removeSubrange(...position)
        }
        let pageSize = options.referrersPageSize
        if descriptors.count > pageSize {
            descriptors = Array(descriptors.prefix(pageSize))
            let filter = artifactType.map { "&artifactType=\($0.rawValue.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? $0.rawValue)" } ?? ""
            headers[.link] = linkHeader(request, path: "/v2/\(name)/referrers/\(subject)", limit: pageSize,
                                        last: descriptors[descriptors.count - 1].digest.description, extra: filter)
        }
        let index = ReferrersIndex(manifests: descriptors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return jsonResponse(try encoder.encode(index), contentType: MediaType.ociImageIndex.rawValue, headers: headers)
    }
}

/// The image index a referrers request answers with.
struct ReferrersIndex: Encodable {
    let schemaVersion = 2
    let mediaType = MediaType.ociImageIndex.rawValue
    let manifests: [Descriptor]
}
