import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The interface's responses: pages with their security headers, redirects after actions,
/// the compiled-in assets, the fixed notices a redirect may ask for.
enum WebResponses {
    /// The notices a redirect after an action may ask for (`?done=`): fixed texts, so no
    /// request can put words on a page.
    static var flashes: [String: String] {
        ["accessory-deleted": "The accessory was deleted.", "artifact-deleted": "The artifact and its accessories were deleted.",
         "tag-deleted": "The tag was deleted; the artifact stays.", "policies-saved": "The policies were saved.",
         "gc-done": "Garbage collection ran.", "retention-done": "Retention ran.", "run-started": "The replication run started.",
         "signed-out": "You signed out."]
    }

    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")
    static let frameOptions = HTTPField.Name("X-Frame-Options")
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")

    /// The security headers of every page.
    static func secured(_ headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        if let frameOptions { headers[frameOptions] = "DENY" }
        if let referrerPolicy { headers[referrerPolicy] = "same-origin" }
        headers[.xContentTypeOptions] = "nosniff"
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        secured(&headers)
        let buffer = ByteBuffer(string: text)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func redirect(_ location: String) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store", .contentLength: "0"]
        secured(&headers)
        return Response(status: .seeOther, headers: headers)
    }

    /// A compiled-in asset, cacheable and revalidated by its ETag.
    static func asset(_ text: String, _ type: String, _ request: Request) -> Response {
        let tag = "\"\(UInt32(truncatingIfNeeded: text.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }))\""
        var headers: HTTPFields = [.contentType: type, .cacheControl: "public, max-age=3600", .eTag: tag]
        secured(&headers)
        if request.headers[.ifNoneMatch] == tag { return Response(status: .notModified, headers: headers) }
        let buffer = ByteBuffer(string: text)
        headers[.contentLength] = String(buffer.readableBytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }
}
