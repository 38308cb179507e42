import Foundation

/// One visitor's server-side session: who signed in (nil: nobody yet), the token every
/// state-changing form must carry, and its times. The cookie holds only the random id.
public struct WebSession: Sendable, Equatable {
    /// The random id the cookie carries (32 bytes, base64url).
    public let id: String
    /// The CSRF token of this session's forms (32 bytes, base64url), never the id.
    public let csrfToken: String
    /// The account signed in, or nil.
    public let account: String?
    /// When it began.
    public let createdAt: Date
    /// When it was last used.
    public var lastSeen: Date

    /// 32 random bytes from the system's generator (getrandom), base64url without padding.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
