import BerthEngine
import Foundation
import Hummingbird

/// One request to the interface as its handlers see it: the visitor's session (if any), who
/// they are, the query, and for a form its fields.
struct WebRequest: Sendable {
    /// The session the cookie names, if it is live.
    var session: WebSession?
    /// Who is looking.
    let viewer: WebViewer
    /// The query parameters (first value of each).
    let query: [String: String]
    /// The fields of a form post (empty otherwise).
    var form: [String: String]
    /// The path, percent-decoding undone.
    let path: String
    /// A session started by this request, whose cookie the response must set.
    var startedSession: WebSession?
    /// The `Host` the request was sent to (what pull commands name unless configured).
    let host: String
    /// The client's address (for the sign-in throttle).
    let clientAddress: String

    /// The CSRF token the page's forms carry (empty without a session).
    var csrfToken: String { session?.csrfToken ?? "" }

    /// The name of the session cookie.
    static let cookieName = "berth_session"

    /// The session id a `Cookie` header carries.
    static func sessionID(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }

    /// Decodes an `application/x-www-form-urlencoded` body.
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let key = decode(parts[0])
            if fields[key] == nil { fields[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }

    /// Compares two secrets in time that does not depend on where they differ.
    static func sameSecret(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count, !x.isEmpty else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
