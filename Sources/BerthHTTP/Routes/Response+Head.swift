import HTTPTypes
import Hummingbird

extension Response {
    /// The response as a HEAD answers it: the same status and headers, no body, and the
    /// `Content-Length` the body would have had.
    func headOnly() -> Response {
        var response = self
        if response.headers[.contentLength] == nil, let length = response.body.contentLength {
            response.headers[.contentLength] = String(length)
        }
        response.body = ResponseBody()
        return response
    }
}
