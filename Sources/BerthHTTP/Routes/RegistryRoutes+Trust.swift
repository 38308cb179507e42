import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Notary server API that Docker Content Trust and the `notary` client speak, for a GUN
/// `<this registry's host>/<repository>`: `GET …/_trust/tuf/<role>.json` (current, `<n>.<role>.json`
/// by version, `<role>.<sha256>.json` by checksum), `POST …/_trust/tuf/` (a multipart update of
/// several roles, all or none), `DELETE …/_trust/tuf/`, `GET`/`POST …/_trust/tuf/<role>.key`
/// (the server's timestamp or snapshot key; a post makes a new one). HTTPS only. Every rule is
/// the engine's (`Registry+Trust.swift`, `TrustUpdateCheck`).
extension RegistryRoutes {
    /// The largest update accepted (all files of one publish together).
    static var maximumTrustBody: Int { 16 << 20 }

    /// Whether `path` is one of this API's (`/v2/<gun>/_trust/tuf/…`).
    static func isTrustPath(_ path: String) -> Bool { path.hasPrefix("/v2/") && path.contains("/_trust/tuf/") }

    /// The repository a GUN names, when its host part is this registry's (the external URL's
    /// host, or the request's); nil for any other name.
    func repository(ofGUN gun: String, _ request: Request) -> RepositoryName? {
        let parts = gun.split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let external = options.externalURL.flatMap { URL(string: $0) }.flatMap { url in url.host.map { h in url.port.map { "\(h):\($0)" } ?? h } }
        let host = String(parts[0])
        guard host == external || host == request.head.authority || options.registryHosts.contains(host) else { return nil }
        return try? RepositoryName(parsing: String(parts[1]))
    }

    /// Checks that the caller may do `action` on the GUN's repository: the roles decide, and a
    /// token must grant `tokenAction` on the GUN itself (what the notary client asks for:
    /// `pull`, `push`, and `*` for a remote delete). Refusals as the token spec says.
    @discardableResult
    private func authorizeTrust(_ request: Request, gun: String, repository: RepositoryName, _ action: RepositoryAction,
                                tokenActions: [String]) async throws -> Principal? {
        guard let authentication = options.authentication else { return nil }
        let scope = TokenScope(type: "repository", name: gun, actions: tokenActions)
        let identity = try await authentication.identity(of: request, access: registry.access,
                                                         challenge: authentication.challenge(realm: realm(request), scope: scope))
        let rolesAllow = try registry.access.allowedActions(identity.principal, on: repository).contains(action)
        let tokenAllows = identity.grantedScopes.map { granted in
            granted.contains { $0.type == "repository" && $0.name == gun && ($0.actions.contains(tokenActions[0]) || $0.actions.contains("*")) }
        } ?? true
        if rolesAllow && tokenAllows { return identity.principal }
        if !identity.presentedCredentials {
            throw authentication.unauthorized("authentication required", challenge: authentication.challenge(realm: realm(request), scope: scope))
        }
        if identity.grantedScopes != nil {
            throw authentication.unauthorized("the token does not grant \(tokenActions[0]) on \(gun)",
                                              challenge: authentication.challenge(realm: realm(request), scope: scope, insufficient: true))
        }
        throw OCIError("DENIED", .forbidden, "\(identity.principal.displayName) may not \(action.rawValue) \(gun)'s trust data")
    }

    func respondTrust(to request: Request, path: String) async throws -> Response {
        guard options.scheme == "https" || options.externalURL?.lowercased().hasPrefix("https://") == true else {
            throw OCIError("DENIED", .badRequest, "Docker Content Trust needs HTTPS: serve with --tls-certificate and --tls-key")
        }
        guard let marker = path.range(of: "/_trust/tuf/") else { throw OCIError.notFound }
        let gun = String(path[path.index(path.startIndex, offsetBy: 4)..<marker.lowerBound])
        let file = String(path[marker.upperBound...])
        guard let repository = repository(ofGUN: gun, request) else {
            throw OCIError("NAME_INVALID", .badRequest, "the GUN \(gun) does not name a repository of this registry (\(request.head.authority ?? "?"))")
        }
        let principal: Principal?
        switch request.method {
        case .post: principal = try await authorizeTrust(request, gun: gun, repository: repository, .push, tokenActions: ["push", "pull"])
        case .delete: principal = try await authorizeTrust(request, gun: gun, repository: repository, .delete, tokenActions: ["*"])
        default: principal = try await authorizeTrust(request, gun: gun, repository: repository, .pull, tokenActions: ["pull"])
        }
        switch (request.method, file) {
        case (.post, ""):
            try await publishTrust(request, gun: gun)
            return Response(status: .ok)
        case (.delete, ""):
            try await registry.deleteTrust(gun: gun, by: .caller(principal))
            return Response(status: .ok)
        case (.get, _) where file.hasSuffix(".key"), (.post, _) where file.hasSuffix(".key"):
            guard let role = TrustKeyStore.Role(rawValue: String(file.dropLast(4))) else {
                throw OCIError("INVALID_ROLE", .badRequest, "the server holds keys of the timestamp and snapshot roles only")
            }
            let key = try await registry.trustServerKey(gun: gun, role: role, replace: request.method == .post)
            return trustJSON(JSONValue.object(["keytype": .string(key.type), "keyval": .object(["private": .null, "public": .string(key.publicBase64)])]).canonicalBytes)
        case (.get, _) where file.hasSuffix(".json"):
            return try await trustMetadata(gun: gun, name: String(file.dropLast(5)))
        default:
            throw OCIError.notFound
        }
    }

    /// `root`, `3.root`, `root.<sha256 hex>` (with `targets/releases` for delegations).
    private func trustMetadata(gun: String, name: String) async throws -> Response {
        let found: TrustFile?
        if let dot = name.firstIndex(of: "."), let version = Int64(name[..<dot]) {
            found = try registry.trustFile(gun: gun, role: String(name[name.index(after: dot)...]), version: version)
        } else if let dot = name.lastIndex(of: "."), name.distance(from: dot, to: name.endIndex) == 65,
                  let hash = (try? Digest(parsing: "sha256:" + name[name.index(after: dot)...]))?.rawBytes {
            found = try registry.trustFile(gun: gun, role: String(name[..<dot]), sha256: hash)
        } else if name == "timestamp" {
            found = try await registry.currentTimestamp(gun: gun)
        } else {
            found = try registry.trustFile(gun: gun, role: name)
        }
        guard let found else { throw OCIError("METADATA_NOT_FOUND", .notFound, "no \(name) metadata for \(gun)") }
        return trustJSON(found.bytes)
    }

    private func publishTrust(_ request: Request, gun: String) async throws {
        guard let boundary = MultipartForm.boundary(contentType: request.headers[.contentType]) else {
            throw OCIError("MALFORMED_UPLOAD", .badRequest, "an update is a multipart/form-data body")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumTrustBody)
        } catch is NIOTooManyBytesError {
            throw OCIError("SIZE_INVALID", .contentTooLarge, "an update is at most \(Self.maximumTrustBody) bytes")
        }
        let parts: [MultipartForm.Part]
        do {
            parts = try MultipartForm.parts(Array(buffer: body), boundary: boundary)
        } catch {
            throw OCIError("MALFORMED_UPLOAD", .badRequest, error.description)
        }
        var files: [String: [UInt8]] = [:]
        for part in parts {
            guard let role = part.filename, !role.isEmpty, files.updateValue(part.bytes, forKey: role) == nil else {
                throw OCIError("MALFORMED_UPLOAD", .badRequest, "each part is one role's file, named by the role, once")
            }
        }
        do {
            try await registry.publishTrust(gun: gun, files: files)
        } catch RegistryError.invalidPolicy(let reason) {
            throw OCIError("INVALID_UPDATE", .badRequest, reason)
        }
    }

    private func trustJSON(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json", .contentLength: String(bytes.count)],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
