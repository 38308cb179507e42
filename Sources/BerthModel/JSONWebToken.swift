import Foundation

/// The parts of a compact JWS (`header.payload.signature`), as the registry token spec uses:
/// decoding only, no signature check (the engine verifies with libcrypto).
public struct JSONWebToken: Sendable, Equatable {
    /// The decoded header object's `alg`.
    public let algorithm: String
    /// The decoded header object's `kid`, if any.
    public let keyID: String?
    /// The claims.
    public let claims: Claims
    /// `header.payload` as sent: the bytes the signature covers.
    public let signingInput: [UInt8]
    /// The raw signature bytes.
    public let signature: [UInt8]

    /// The registry token claims (JWT registered claims plus `access`).
    public struct Claims: Sendable, Codable, Equatable {
        /// Issuer.
        public var iss: String
        /// Subject: the account name (empty for anonymous).
        public var sub: String
        /// Audience: the service.
        public var aud: String
        /// Expiry, seconds since 1970.
        public var exp: Int64
        /// Not before, seconds since 1970.
        public var nbf: Int64
        /// Issued at, seconds since 1970.
        public var iat: Int64
        /// Token id.
        public var jti: String
        /// What the token grants.
        public var access: [TokenScope]

        /// Claims granting `access` to `subject`, valid from `issuedAt` for `lifetime` seconds.
        public init(issuer: String, subject: String, audience: String, issuedAt: Int64, lifetime: Int64, id: String, access: [TokenScope]) {
            iss = issuer
            sub = subject
            aud = audience
            iat = issuedAt
            nbf = issuedAt - 1
            exp = issuedAt + lifetime
            jti = id
            self.access = access
        }
    }

    /// Why a token cannot be read.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong with the token.
        public let description: String
    }

    /// Decodes a compact token; any malformed input is `Malformed`, never a crash.
    public init(parsing token: String) throws(Malformed) {
        guard token.utf8.count <= 16 * 1024 else { throw Malformed(description: "token too long") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw Malformed(description: "expected three dot-separated parts") }
        guard let header = Self.base64URLDecode(parts[0]), let payload = Self.base64URLDecode(parts[1]),
              let signature = Self.base64URLDecode(parts[2]) else { throw Malformed(description: "invalid base64url") }
        guard let headerObject = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any],
              let algorithm = headerObject["alg"] as? String else { throw Malformed(description: "invalid header") }
        do {
            claims = try JSONDecoder().decode(Claims.self, from: Data(payload))
        } catch {
            throw Malformed(description: "invalid claims")
        }
        self.algorithm = algorithm
        self.keyID = headerObject["kid"] as? String
        self.signingInput = Array("\(parts[0]).\(parts[1])".utf8)
        self.signature = signature
    }

    /// `base64url(header).base64url(claims)`, the input to sign.
    public static func signingInput(claims: Claims, keyID: String) throws -> String {
        let header = Data(#"{"alg":"ES256","kid":"\#(keyID)","typ":"JWT"}"#.utf8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return base64URLEncode(Array(header)) + "." + base64URLEncode(Array(try encoder.encode(claims)))
    }

    /// Unpadded base64url.
    public static func base64URLEncode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Decodes unpadded (or padded) base64url; nil for anything else.
    public static func base64URLDecode(_ text: some StringProtocol) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "=") }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
