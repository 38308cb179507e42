import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Limits requests per second per client (a token bucket each, bursts of up to two seconds'
/// worth); past it, 429 `TOOMANYREQUESTS` with `Retry-After`. Off unless configured.
///
/// Guarantees:
/// - A client is an account only when its request carries a bearer token that verifies (this
///   registry's signature, audience and times) and names one. Everything else is limited by the
///   address it comes from: no credentials, anonymous tokens, forged or expired tokens, and Basic
///   credentials (checking a password costs a bcrypt round, too dear to spend before the limit).
///   So nobody spends someone else's bucket by naming them, and nobody gets a fresh bucket by
///   making up names.
/// - The address is the connection's peer, from a context conforming to
///   `RemoteAddressRequestContext` (``RegistryRequestContext`` does); with `trustForwardedFor`,
///   the last `X-Forwarded-For` element, the one a trusted proxy appended. Under a context that
///   exposes no address, all such clients share one bucket.
/// - At most `maximumClients` buckets are kept. Buckets unused long enough to be full again are
///   dropped first (that changes nothing); while every kept bucket is still in use, further
///   clients share one overflow bucket. A flood of new addresses or accounts therefore never
///   refills, resets or displaces anyone's bucket.
public struct RateLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    private let limiter: Limiter
    private let authentication: RegistryAuthentication?
    private let trustForwardedFor: Bool

    /// A limit of `requestsPerSecond` per client. `authentication` verifies the bearer tokens that
    /// name accounts (nil: every client is an address); `trustForwardedFor` reads the address from
    /// `X-Forwarded-For` (only behind a proxy that sets it); `maximumClients` bounds the memory.
    public init(requestsPerSecond: Double, authentication: RegistryAuthentication? = nil,
                trustForwardedFor: Bool = false, maximumClients: Int = 100_000) {
        limiter = Limiter(rate: requestsPerSecond, maximumClients: maximumClients)
        self.authentication = authentication
        self.trustForwardedFor = trustForwardedFor
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let key = Self.key(request, address: clientAddress(request, context: context), authentication: authentication)
        if let wait = limiter.admit(key, now: .now) {
            var error = OCIError("TOOMANYREQUESTS", .tooManyRequests, "too many requests; slow down")
            error.headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
            return error.response()
        }
        return try await next(request, context)
    }

    /// The client's IP address, if the context or a trusted proxy says.
    private func clientAddress(_ request: Request, context: Context) -> String? {
        if trustForwardedFor, let forwarded = request.headers[.xForwardedFor],
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
            // Earlier elements are whatever the client sent; the last is what the proxy saw.
            return last
        }
        return (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress
    }

    /// The bucket of a request: its account when a verified bearer token names one, else its address.
    static func key(_ request: Request, address: String?, authentication: RegistryAuthentication?) -> String {
        if let authentication, let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
           let claims = authentication.verify(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)),
           !claims.sub.isEmpty {
            return "account:\(claims.sub)"
        }
        return "address:\(address ?? "unknown")"
    }

    final class Limiter: Sendable {
        private struct Bucket {
            var tokens: Double
            var at: ContinuousClock.Instant
        }

        private struct State {
            var buckets: [String: Bucket] = [:]
            /// Shared by clients beyond `maximumClients` while every kept bucket is in use.
            var overflow: Bucket?
            var lastSweep: ContinuousClock.Instant?
        }

        private let rate: Double
        private let capacity: Double
        private let maximumClients: Int
        /// How long an unused bucket takes to be full again, after which keeping it changes nothing.
        private let refill: Duration
        private let state = Mutex(State())

        init(rate: Double, maximumClients: Int) {
            let clamped = max(rate, 0.001)
            self.rate = clamped
            capacity = max(1, clamped * 2)
            self.maximumClients = max(1, maximumClients)
            refill = .seconds(capacity / clamped)
        }

        /// Takes one token from `key`'s bucket: nil when admitted, else the seconds until a token.
        func admit(_ key: String, now: ContinuousClock.Instant) -> Double? {
            state.withLock { state in
                if state.buckets[key] == nil, state.buckets.count >= maximumClients { sweep(&state, now: now) }
                if state.buckets[key] != nil || state.buckets.count < maximumClients {
                    var bucket = state.buckets[key] ?? Bucket(tokens: capacity, at: now)
                    let wait = take(&bucket, now: now)
                    state.buckets[key] = bucket
                    return wait
                }
                var overflow = state.overflow ?? Bucket(tokens: capacity, at: now)
                let wait = take(&overflow, now: now)
                state.overflow = overflow
                return wait
            }
        }

        /// Drops the buckets that are full again. At most once a second (or once per refill, if
        /// shorter): with every bucket in use, a pass over all of them per new client would make
        /// a flood of new clients expensive for everyone.
        private func sweep(_ state: inout State, now: ContinuousClock.Instant) {
            if let last = state.lastSweep, now - last < min(refill, .seconds(1)) { return }
            state.lastSweep = now
            state.buckets = state.buckets.filter { now - $0.value.at < refill }
        }

        /// Refills `bucket` for the time since its last use and takes a token: nil when there
        /// was one, else the seconds until there will be.
        private func take(_ bucket: inout Bucket, now: ContinuousClock.Instant) -> Double? {
            let elapsed = now - bucket.at
            let seconds = elapsed / .seconds(1)
            bucket.tokens = min(capacity, bucket.tokens + max(0, seconds) * rate)
            // Callers read the clock before taking the lock, so `now` may be a little behind.
            bucket.at = max(bucket.at, now)
            guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / rate }
            bucket.tokens -= 1
            return nil
        }
    }
}
