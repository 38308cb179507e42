import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

/// `/v2/_catalog`, `/v2/<name>/tags/list` and `/v2/<name>/referrers/<digest>`.
extension RegistryRoutes {
    func catalog(_ request: Request) async throws -> Response {
        let paging = try paging(request)
        let scope = RegistryAuthentication.catalogScope
        let identity = try await identity(request, scope: scope)
        let page: Page<RepositoryName>
        let resumeAfter: String?
        if let identity, let authentication = options.authentication {
            // A token lists only if it carries the catalog scope (the token spec's rule); a token
            // asked for repositories alone is answered as for any missing scope, so the client can
            // ask the token endpoint again.
            guard identity.tokenPermits(scope) else {
                throw authentication.unauthorized("the token does not grant \(scope)",
                                                  challenge: authentication.challenge(realm: realm(request), scope: scope, insufficient: true))
            }
            // Only what the caller may pull; pages are filled past hidden names, but a request
            // looks at no more than `catalogExamineBudget` names: past it, the page ends early
            // with a Link that resumes after the last name examined, so a caller who may see
            // little cannot make one request walk a large catalog.
            var visible: [RepositoryName] = []
            var last = paging.last
            var more = true
            var examined = 0
            var pullable: [String: Bool] = [:]   // per project: roles are per project
            let budget = Self.catalogExamineBudget(pageSize: paging.limit)
            while visible.count < paging.limit, more, examined < budget {
                let batch = try registry.catalog(after: last, limit: min(max(paging.limit, 100), budget - examined))
                for name in batch.items where visible.count < paging.limit {
                    let project = Project.name(of: name)
                    let mayPull: Bool
                    if let known = pullable[project] {
                        mayPull = known
                    } else {
                        mayPull = try registry.access.allowedActions(identity.principal, on: name).contains(.pull)
                        pullable[project] = mayPull
                    }
                    if mayPull { visible.append(name) }
                    last = name.value
                    examined += 1
                }
                more = batch.hasMore || (batch.items.last.map { $0.value != last } ?? false)
            }
            page = Page(items: visible, hasMore: more)
            // `n=0` asks for nothing: a Link would repeat the request forever.
            resumeAfter = more && paging.limit > 0 ? last : nil
        } else {
            page = try registry.catalog(after: paging.last, limit: paging.limit)
            resumeAfter = page.hasMore && paging.limit > 0 ? page.items.last?.value : nil
        }
        let body: [String: Any] = ["repositories": page.items.map(\.value)]
        var headers: HTTPFields = [:]
        if let resumeAfter {
            headers[.link] = linkHeader(request, path: "/v2/_catalog", limit: paging.limit, last: resumeAfter)
        }
        return jsonResponse(try JSONSerialization.data(withJSONObject: body, options: [.withoutEscapingSlashes]), contentType: "application/json", headers: headers)
    }

    /// How many repository names one filtered catalog request looks at, at most.
    static func catalogExamineBudget(pageSize: Int) -> Int { max(1000, min(pageSize, 100_000) * 4) }

    func tags(_ request: Request, _ name: RepositoryName) throws -> Response {
        let paging = try paging(request)
        guard paging.explicit else { return try allTags(name, after: paging.last) }
        let page = try registry.tags(in: name, after: paging.last, limit: paging.limit)
        let body: [String: Any] = ["name": name.value, "tags": page.items.map(\.value)]
        var headers: HTTPFields = [:]
        if page.hasMore, let last = page.items.last {
            headers[.link] = linkHeader(request, path: "/v2/\(name)/tags/list", limit: paging.limit, last: last.value)
        }
        return jsonResponse(try JSONSerialization.data(withJSONObject: body, options: [.withoutEscapingSlashes]), contentType: "application/json", headers: headers)
    }

    /// Tags read from the index per batch of a streamed list: one short read transaction each.
    static var tagStreamBatch: Int { 4096 }

    /// Every tag (after `last`), streamed: the first batch is read before the response starts
    /// (so an unknown repository is still a 404), the rest while the body is written, so the
    /// first bytes leave at once and memory stays flat however many tags there are. Batches
    /// are separate snapshots: tags changed while the list streams may or may not appear, as
    /// with pages.
    func allTags(_ name: RepositoryName, after last: String?) throws -> Response {
        let batch = Self.tagStreamBatch
        let first = try registry.tags(in: name, after: last, limit: batch)
        let registry = registry
        // Repository names and tags are made of characters JSON needs no escape for.
        let body = ResponseBody { (writer: inout any ResponseBodyWriter) async throws in
            var buffer = ByteBuffer()
            buffer.writeString(#"{"name":"\#(name.value)","tags":["#)
            var page = first
            var separator = ""
            while true {
                for tag in page.items {
                    buffer.writeString(separator)
                    buffer.writeString("\"")
                    buffer.writeString(tag.value)
                    buffer.writeString("\"")
                    separator = ","
                }
                guard page.hasMore, let lastTag = page.items.last else { break }
                try await writer.write(buffer)
                buffer.clear()
                // A repository deleted while listed: the list ends where it was.
                guard let next = try Self.tagsIfRepositoryExists(registry, name, after: lastTag.value, limit: batch) else { break }
                page = next
            }
            buffer.writeString("]}")
            try await writer.write(buffer)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? text
    }

    private static func tagsIfRepositoryExists(_ registry: Registry<Store>, _ name: RepositoryName, after last: String,
                                               limit: Int) throws(RegistryError) -> Page<Tag>? {
        do {
            return try registry.tags(in: name, after: last, limit: limit)
        } catch .repositoryUnknown {
            return nil
        }
    }

    func referrers(_ request: Request, _ name: RepositoryName, _ text: String) throws -> Response {
        let subject = try parseDigest(text)
        let query = request.uri.queryParameters
        // An empty or malformed filter can match nothing stored: treat an empty one as absent.
        let artifactType = query["artifactType"].flatMap { $0.isEmpty ? nil : MediaType(rawValue: String($0)) }
        // Our Links carry the last referrer and the artifact type it is listed under: a seek in
        // the index. A `last` alone (a client's own) is looked for among the referrers.
        let cursor: ReferrerCursor? = try query["last"].map { last in
            let digest = try parseDigest(String(last))
            guard let type = query["lastArtifactType"] else { return .afterDigest(digest) }
            return .after(digest, artifactType: type.isEmpty ? nil : MediaType(rawValue: String(type)))
        }
        let pageSize = options.referrersPageSize
        let page = try registry.referrers(of: subject, in: name, artifactType: artifactType, after: cursor, limit: pageSize)
        let descriptors = page.items
        var headers: HTTPFields = [:]
        if artifactType != nil { headers[.ociFiltersApplied] = "artifactType" }
        if page.hasMore, let last = descriptors.last {
            var extra = "&lastArtifactType=" + Self.queryValue(last.artifactType?.rawValue ?? "")
            if let artifactType { extra += "&artifactType=" + Self.queryValue(artifactType.rawValue) }
            headers[.link] = linkHeader(request, path: "/v2/\(name)/referrers/\(subject)", limit: pageSize,
                                        last: last.digest.description, extra: extra)
        }
        return jsonResponse(try ReferrersIndex(manifests: descriptors).encoded(), contentType: MediaType.ociImageIndex.rawValue,
                            headers: headers)
    }
}
