import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

/// An error as the distribution spec puts it on the wire: a status and a body
/// `{"errors":[{"code":…,"message":…,"detail":…}]}`.
public struct OCIError: Error, Sendable, Equatable {
    /// The spec's error code, e.g. `MANIFEST_UNKNOWN`.
    public let code: String
    /// A human-readable message.
    public let message: String
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// Extra headers (e.g. `Range` on a 416 for uploads).
    public var headers: HTTPFields = [:]

    /// An error with the given code, status and message.
    public init(_ code: String, _ status: HTTPResponse.Status, _ message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    /// The response carrying this error.
    public func response() -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: Self.body(code: code, message: message))))
    }

    /// The spec's JSON error document for one error.
    static func body(code: String, message: String) -> String {
        let body: [String: [[String: String]]] = ["errors": [["code": code, "message": message]]]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func nameInvalid(_ message: String) -> OCIError { OCIError("NAME_INVALID", .badRequest, message) }
    static func digestInvalid(_ message: String) -> OCIError { OCIError("DIGEST_INVALID", .badRequest, message) }
    static func unsupported(_ message: String) -> OCIError { OCIError("UNSUPPORTED", .methodNotAllowed, message) }
    static let notFound = OCIError("NOT_FOUND", .notFound, "no such endpoint")
    /// A failure inside the server; the details go to the log, never to the client.
    static let `internal` = OCIError("UNKNOWN", .internalServerError, "internal error; the server log has the details")
}

extension OCIError {
    /// The spec's code and status for an engine error.
    init(_ error: RegistryError) {
        switch error {
        case .invalid(let validation): self.init(validation)
        case .blobUnknown: self.init("BLOB_UNKNOWN", .notFound, error.description)
        case .uploadUnknown: self.init("BLOB_UPLOAD_UNKNOWN", .notFound, error.description)
        case .uploadInvalid: self.init("BLOB_UPLOAD_INVALID", .badRequest, error.description)
        case .uploadOffsetMismatch(let expected, _):
            self.init("BLOB_UPLOAD_INVALID", .rangeNotSatisfiable, error.description)
            if expected > 0 { headers[.range] = "0-\(expected - 1)" }
        case .digestMismatch: self.init("DIGEST_INVALID", .badRequest, error.description)
        case .sizeMismatch: self.init("SIZE_INVALID", .badRequest, error.description)
        case .manifestUnknown: self.init("MANIFEST_UNKNOWN", .notFound, error.description)
        case .manifestBlobUnknown: self.init("MANIFEST_BLOB_UNKNOWN", .badRequest, error.description)
        // The spec: a manifest naming content the registry lacks MUST be refused with
        // MANIFEST_BLOB_UNKNOWN, children of an index included.
        case .manifestChildUnknown: self.init("MANIFEST_BLOB_UNKNOWN", .badRequest, error.description)
        case .repositoryUnknown: self.init("NAME_UNKNOWN", .notFound, error.description)
        case .rangeNotSatisfiable: self.init("BLOB_UNKNOWN", .rangeNotSatisfiable, error.description)
        case .collectionRunning: self.init("UNAVAILABLE", .conflict, error.description)
        case .cancelled: self.init("UNAVAILABLE", .serviceUnavailable, error.description)
        case .invalidPolicy: self.init("INVALID_POLICY", .badRequest, error.description)
        case .blobTooLarge: self.init("SIZE_INVALID", .contentTooLarge, error.description)
        case .storageFull: self.init("UNKNOWN", HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), error.description)
        case .bodyTooSlow: self.init("BLOB_UPLOAD_INVALID", .requestTimeout, error.description)
        case .tooManyUploads:
            self.init("TOOMANYREQUESTS", .tooManyRequests, error.description)
            headers[.retryAfter] = "60"
        case .protectedByRule: self.init("DENIED", .forbidden, error.description)
        case .deniedByPolicy: self.init("DENIED", .preconditionFailed, error.description)
        // Never the engine's own words: they name paths inside the data root.
        case .rootLocked, .readOnly, .storage: self = .internal
        }
    }

    /// The spec's code and status for a validation error.
    init(_ error: ValidationError) {
        switch error {
        case .invalidDigest, .unsupportedDigestAlgorithm: self.init("DIGEST_INVALID", .badRequest, error.description)
        case .invalidRepositoryName: self.init("NAME_INVALID", .badRequest, error.description)
        case .invalidTag, .invalidReference: self.init("TAG_INVALID", .badRequest, error.description)
        case .invalidMediaType, .invalidManifest: self.init("MANIFEST_INVALID", .badRequest, error.description)
        case .unsupportedMediaType: self.init("MANIFEST_INVALID", .unsupportedMediaType, error.description)
        case .manifestTooLarge: self.init("SIZE_INVALID", .contentTooLarge, error.description)
        }
    }
}
