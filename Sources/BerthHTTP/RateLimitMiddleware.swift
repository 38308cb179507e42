import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Limits requests per second per account (a token bucket each, bursts of up to two seconds'
/// worth); past it, 429 `TOOMANYREQUESTS` with `Retry-After`. Off unless configured.
///
/// The bucket is chosen by the name in the request's credentials (Basic user, or a bearer
/// token's subject) before they are checked: a client naming someone else only spends that
/// bucket, and is refused by authentication right after.
public struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    private let limiter: Limiter

    /// A limit of `requestsPerSecond` per account.
    public init(requestsPerSecond: Double) {
        limiter = Limiter(rate: requestsPerSecond)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let wait = limiter.admit(Self.key(request), now: .now) {
            var error = OCIError("TOOMANYREQUESTS", .tooManyRequests, "too many requests; slow down")
            error.headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
            return error.response()
        }
        return try await next(request, context)
    }

    static func key(_ request: Request) -> String {
        guard let header = request.headers[.authorization] else { return "anonymous" }
        if header.lowercased().hasPrefix("basic "), let (name, _) = RegistryAuthentication.basicCredentials(header) { return "user:\(name)" }
        if header.lowercased().hasPrefix("bearer "), let token = try? JSONWebToken(parsing: String(header.dropFirst(7))) {
            return "user:\(token.claims.sub)"
        }
        return "anonymous"
    }

    final class Limiter: Sendable {
        private let rate: Double
        private let buckets = Mutex<[String: (tokens: Double, at: ContinuousClock.Instant)]>([:])

        init(rate: Double) { self.rate = max(rate, 0.001) }

        /// Takes one token from `key`'s bucket: nil when admitted, else the seconds until a token.
        func admit(_ key: String, now: ContinuousClock.Instant) -> Double? {
            buckets.withLock { buckets in
                let capacity = max(1, rate * 2)
                var bucket = buckets[key] ?? (capacity, now)
                let elapsed = now - bucket.at
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                bucket.tokens = min(capacity, bucket.tokens + seconds * rate)
                bucket.at = now
                let admitted = bucket.tokens >= 1
                if admitted { bucket.tokens -= 1 }
                if buckets.count > 100_000 { buckets.removeAll() }
                buckets[key] = bucket
                return admitted ? nil : (1 - bucket.tokens) / rate
            }
        }
    }
}
