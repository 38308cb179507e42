import BerthModel

/// An endpoint of the OCI distribution API, recognised from a request path.
///
/// Repository names may contain any number of `/`-separated segments, including segments named
/// `manifests`, `blobs`, `tags` or `referrers`, so a path is read from its end: the last one to
/// three segments say which endpoint it is, everything before them is the name.
enum OCIRoute: Equatable, Sendable {
    /// The route's name in the request figures (`berth_http_requests_total{route=…}`).
    var label: String {
        switch self {
        case .base: "base"
        case .catalog: "catalog"
        case .tags: "tags"
        case .manifest: "manifest"
        case .blob: "blob"
        case .uploads: "uploads"
        case .upload: "upload"
        case .referrers: "referrers"
        }
    }

    /// `/v2/`
    case base
    /// `/v2/_catalog`
    case catalog
    /// `/v2/<name>/tags/list`
    case tags(RepositoryName)
    /// `/v2/<name>/manifests/<reference>`
    case manifest(RepositoryName, reference: String)
    /// `/v2/<name>/blobs/<digest>`
    case blob(RepositoryName, digest: String)
    /// `/v2/<name>/blobs/uploads/`
    case uploads(RepositoryName)
    /// `/v2/<name>/blobs/uploads/<id>`
    case upload(RepositoryName, id: String)
    /// `/v2/<name>/referrers/<digest>`
    case referrers(RepositoryName, digest: String)

    /// Recognises `path` (the whole request path, starting `/v2`).
    /// - Returns: nil when the path is no endpoint of the API.
    /// - Throws: `ValidationError.invalidRepositoryName` when the path is an endpoint but the
    ///   name part is not a valid repository name.
    init?(path: String) throws(ValidationError) {
        guard path == "/v2" || path.hasPrefix("/v2/") else { return nil }
        let rest = path.dropFirst(3).drop { $0 == "/" }
        if rest.isEmpty { self = .base; return }
        if rest == "_catalog" { self = .catalog; return }
        let segments = rest.split(separator: "/", omittingEmptySubsequences: false)
        let count = segments.count

        func name(dropping last: Int) throws(ValidationError) -> RepositoryName {
            let parts = segments.dropLast(last)
            guard !parts.isEmpty else { throw .invalidRepositoryName("", reason: "missing repository name") }
            return try RepositoryName(parsing: parts.joined(separator: "/"))
        }

        if count >= 4, segments[count - 3] == "blobs", segments[count - 2] == "uploads" {
            let id = segments[count - 1]
            self = id.isEmpty ? .uploads(try name(dropping: 3)) : .upload(try name(dropping: 3), id: String(id))
        } else if count >= 3, segments[count - 2] == "blobs", segments[count - 1] == "uploads" {
            self = .uploads(try name(dropping: 2))
        } else if count >= 3, segments[count - 2] == "tags", segments[count - 1] == "list" {
            self = .tags(try name(dropping: 2))
        } else if count >= 3, segments[count - 2] == "manifests", !segments[count - 1].isEmpty {
            self = .manifest(try name(dropping: 2), reference: String(segments[count - 1]))
        } else if count >= 3, segments[count - 2] == "blobs", !segments[count - 1].isEmpty {
            self = .blob(try name(dropping: 2), digest: String(segments[count - 1]))
        } else if count >= 3, segments[count - 2] == "referrers", !segments[count - 1].isEmpty {
            self = .referrers(try name(dropping: 2), digest: String(segments[count - 1]))
        } else {
            return nil
        }
    }
}
