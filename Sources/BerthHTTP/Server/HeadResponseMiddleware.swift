import HTTPTypes
import Hummingbird

/// Answers a HEAD with the head of the response and no body, whatever produced it (a route, an
/// error, authentication): the `Content-Length` stays what the body would have had.
///
/// Over HTTP/1.1 the encoder drops a HEAD answer's body by itself; over HTTP/2 a body on a HEAD
/// answer breaks the stream's declared length and NIOHTTP2 closes the whole connection, so a
/// client (replication's, Go's) that sent `HEAD` for a missing manifest lost every request on
/// that connection.
public struct HeadResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The middleware.
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .head else { return try await next(request, context) }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        return response.headOnly()
    }
}
