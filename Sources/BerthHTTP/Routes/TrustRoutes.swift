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
struct TrustRoutes<Store: BlobStore>: Sendable {
    let registry: Registry<Store>
    let options: RegistryRoutesOptions

    /// The largest update accepted (all files of one publish together).
    static var maximumBody: Int { 16 << 20 }

    /// Whether `path` is one of this API's (`/v2/<gun>/_trust/tuf/…`).
    static func handles(_ path: String) -> Bool { path.hasPrefix("/v2/") && path.contains("/_trust/tuf/") }

    func respond(to request: Request, path: String) async throws -> Response {
        guard options.scheme == "https" || options.externalURL?.lowercased().hasPrefix("https://") == true else {
            throw OCIError("DENIED", .badRequest, "Docker Content Trust needs HTTPS: serve with --tls-certificate and --tls-key")
        }
        guard let marker = path.range(of: "/_trust/tuf/") else { throw OCIError.notFound }
        let gun = String(path[path.index(path.startIndex, offsetBy: 4)..<marker.lowerBound])
        let file = String(path[marker.upperBound...])
        try checkHost(of: gun, request)
        switch (request.method, file) {
        case (.post, ""):
            try await publish(request, gun: gun)
            return Response(status: .ok)
        case (.delete, ""):
            try await registry.deleteTrust(gun: gun, by: .anonymous)
            return Response(status: .ok)
        case (.get, _) where file.hasSuffix(".key"), (.post, _) where file.hasSuffix(".key"):
            guard let role = TrustKeyStore.Role(rawValue: String(file.dropLast(4))) else {
                throw OCIError("INVALID_ROLE", .badRequest, "the server holds keys of the timestamp and snapshot roles only")
            }
            let key = try await registry.trustServerKey(gun: gun, role: role, replace: request.method == .post)
            return json(JSONValue.object(["keytype": .string(key.type), "keyval": .object(["private": .null, "public": .string(key.publicBase64)])]).canonicalBytes)
        case (.get, _) where file.hasSuffix(".json"):
            return try metadata(gun: gun, name: String(file.dropLast(5)))
        default:
            throw OCIError.notFound
        }
    }

    /// The GUN must name this registry: its host part is the external URL's, or the request's.
    private func checkHost(of gun: String, _ request: Request) throws {
        let host = gun.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let external = options.externalURL.flatMap { URL(string: $0) }.flatMap { url in url.host.map { h in url.port.map { "\(h):\($0)" } ?? h } }
        guard gun.contains("/"), host == external || host == request.head.authority else {
            throw OCIError("NAME_INVALID", .badRequest, "the GUN \(gun) does not name this registry (\(external ?? request.head.authority ?? "?"))")
        }
    }

    /// `root`, `3.root`, `root.<sha256 hex>` (with `targets/releases` for delegations).
    private func metadata(gun: String, name: String) throws -> Response {
        let found: TrustFile?
        if let dot = name.firstIndex(of: "."), let version = Int64(name[..<dot]) {
            found = try registry.trustFile(gun: gun, role: String(name[name.index(after: dot)...]), version: version)
        } else if let dot = name.lastIndex(of: "."), name.distance(from: dot, to: name.endIndex) == 65,
                  let hash = Self.bytes(hex: String(name[name.index(after: dot)...])) {
            found = try registry.trustFile(gun: gun, role: String(name[..<dot]), sha256: hash)
        } else {
            found = try registry.trustFile(gun: gun, role: name)
        }
        guard let found else { throw OCIError("METADATA_NOT_FOUND", .notFound, "no \(name) metadata for \(gun)") }
        return json(found.bytes)
    }

    private func publish(_ request: Request, gun: String) async throws {
        guard let boundary = MultipartForm.boundary(contentType: request.headers[.contentType]) else {
            throw OCIError("MALFORMED_UPLOAD", .badRequest, "an update is a multipart/form-data body")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBody)
        } catch is NIOTooManyBytesError {
            throw OCIError("SIZE_INVALID", .contentTooLarge, "an update is at most \(Self.maximumBody) bytes")
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

    private func json(_ bytes: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json", .contentLength: String(bytes.count)],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private static func bytes(hex: String) -> [UInt8]? {
        guard hex.count == 64 else { return nil }
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return out
    }
}
