import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore

/// The registry's web interface: projects, repositories, artifacts with their signed state,
/// the Accessories table, deletes, policies, GC and retention, replication and the audit log,
/// rendered on the server from the templates in `WebTemplates`, at `/` beside the OCI API
/// (`/v2/`) and the admin API (`/admin/v1/`) on the same router.
///
/// Guarantees:
/// - Every operation goes through the engine (`RegistryAdministration`, `AccessControl`,
///   `Registry`'s browsing pages, `Replicator`): what a person may see and do is exactly
///   what the API allows their account, checked again when an action is posted.
/// - Every state-changing request is a `POST` carrying the session's CSRF token, from this
///   origin; sessions live on the server and their cookie is `HttpOnly; SameSite=Strict`
///   (and `Secure` with `secureCookies`).
/// - Every page is sent with a `Content-Security-Policy` that allows no inline script or
///   style, `X-Frame-Options: DENY`, `Referrer-Policy: same-origin`, `nosniff`, `no-store`.
/// - Every value is HTML-escaped by the template renderer.
public struct WebInterface<Context: RemoteAddressRequestContext, Store: BlobStore>: Sendable {
    /// The engine shown.
    public let registry: Registry<Store>
    /// Whether accounts are in force (false: the anonymous mode, no sign-in, every action).
    public let requiresAccounts: Bool
    /// Whether the session cookie is marked `Secure` (the server speaks TLS).
    public let secureCookies: Bool
    /// Replication, for its page (nil: the page says it is not available).
    public let replication: Replicator<Store>?
    /// The sessions.
    public let sessions: WebSessionStore
    /// The limit on failed sign-ins.
    public let throttle: SignInThrottle
    /// What a page shows as the pull command's registry (`host:port`); nil: the request's `Host`.
    public let pullHost: String?
    /// Whether the client's address is the last `X-Forwarded-For` element (behind a proxy that
    /// appends it), for the sign-in throttle; otherwise the connection's peer.
    public let trustForwardedFor: Bool
    let library: MustacheLibrary
    let logger: Logger

    /// An interface over `registry`.
    public init(registry: Registry<Store>, requiresAccounts: Bool, secureCookies: Bool = false, replication: Replicator<Store>? = nil,
                pullHost: String? = nil, trustForwardedFor: Bool = false, sessions: WebSessionStore = WebSessionStore(),
                throttle: SignInThrottle = SignInThrottle(), logger: Logger = Logger(label: "berth.web")) throws {
        self.registry = registry
        self.requiresAccounts = requiresAccounts
        self.secureCookies = secureCookies
        self.replication = replication
        self.pullHost = pullHost
        self.trustForwardedFor = trustForwardedFor
        self.sessions = sessions
        self.throttle = throttle
        self.logger = logger
        self.library = try WebTemplates.library()
    }

    /// How many rows a page shows.
    static var pageSize: Int { 50 }
    /// How many accessories a page of an Accessories table shows (and nested ones per accessory):
    /// a table opened under an artifact's row stays short, as Harbor's does.
    static var accessoryPageSize: Int { 10 }

    /// Adds the interface's routes to `router`.
    public func register(on router: some RouterMethods<Context>) {
        router.get("/") { _, _ in WebResponses.redirect("/projects") }
        router.get("/static/berth.css") { request, _ in WebResponses.asset(WebAssets.stylesheet, "text/css; charset=utf-8", request) }
        router.get("/static/berth.js") { request, _ in WebResponses.asset(WebAssets.script, "text/javascript; charset=utf-8", request) }
        for path in ["/login", "/logout", "/projects", "/projects/**", "/repositories/**", "/registry", "/registry/**",
                     "/audit", "/replication", "/replication/**"] {
            router.get(RouterPath(path)) { request, context in await self.respond(request, context) }
            router.post(RouterPath(path)) { request, context in await self.respond(request, context) }
        }
    }

    /// Answers one request: resolves the session, checks a post's origin and token, runs the
    /// page, renders it or its error.
    func respond(_ request: Request, _ context: Context) async -> Response {
        var web = resolve(request, context)
        var response: Response
        do {
            if request.method == .post {
                try await readForm(request, into: &web)
                try checkForm(request, web)
            }
            response = try await dispatch(request, context, &web)
        } catch let problem as WebProblem {
            response = render("error", ["heading": problem.heading, "message": problem.message], web, status: problem.status)
        } catch let error as RegistryError {
            let problem = WebProblem(error)
            if problem.status == .internalServerError { log(error, request) }
            response = render("error", ["heading": problem.heading, "message": problem.message], web, status: problem.status)
        } catch let error as ValidationError {
            response = render("error", ["heading": "Refused", "message": error.description], web, status: .badRequest)
        } catch {
            log(error, request)
            let problem = WebProblem.internalError
            response = render("error", ["heading": problem.heading, "message": problem.message], web, status: problem.status)
        }
        // The one place a session this request started reaches the cookie.
        if let started = web.startedSession { response.headers[values: .setCookie].append(cookie(started.id)) }
        return response
    }

    private func dispatch(_ request: Request, _ context: Context, _ web: inout WebRequest) async throws -> Response {
        let parts = web.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let post = request.method == .post
        switch parts.first {
        case "login": return post ? try await signIn(request, context, &web) : signInPage(&web, problem: nil, username: "", next: web.query["next"] ?? "")
        case "logout": return post ? signOut(web) : WebResponses.redirect("/projects")
        case "projects" where !post: return parts.count == 1 ? try projectsPage(web) : try projectPage(parts[1], web)
        case "repositories": return try await repositoryRequest(Array(parts.dropFirst()), post: post, &web)
        case "registry": return try await registryRequest(Array(parts.dropFirst()), post: post, &web)
        case "audit" where !post: return try auditPage(web)
        case "replication": return try await replicationRequest(Array(parts.dropFirst()), post: post, &web)
        default: throw WebProblem.notFound
        }
    }

    // MARK: Sessions

    /// The request's session and viewer, from its cookie.
    private func resolve(_ request: Request, _ context: Context) -> WebRequest {
        let now = registry.access.clock.now()
        var session = WebRequest.sessionID(request).flatMap { sessions.session($0, now: now) }
        var principal: Principal? = requiresAccounts ? .anonymous : nil
        if requiresAccounts, let current = session, let name = current.account {
            // The account as it is now: removed, expired or turned robot ends the session.
            if let account = try? registry.access.account(name), !account.isRobot, account.expiresAt.map({ $0 > now }) ?? true {
                principal = Principal(account)
            } else {
                sessions.end(current.id)
                session = nil
            }
        }
        let path = request.uri.path.removingPercentEncoding ?? request.uri.path
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where query[String(key)] == nil { query[String(key)] = String(value) }
        return WebRequest(session: session, viewer: WebViewer(principal: principal, access: registry.access), query: query,
                          form: [:], path: path, startedSession: nil,
                          host: request.head.authority ?? "localhost",
                          clientAddress: clientAddress(request, context))
    }

    /// The client's address: the last `X-Forwarded-For` element when a proxy is trusted (the
    /// earlier ones are whatever the client sent), else the connection's peer.
    private func clientAddress(_ request: Request, _ context: Context) -> String {
        if trustForwardedFor, let name = WebResponses.forwardedFor, let forwarded = request.headers[name],
           let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty {
            return last
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Makes sure the visitor has a session (for the CSRF token of a page's forms).
    func ensureSession(_ web: inout WebRequest) {
        guard web.session == nil else { return }
        let session = sessions.start(account: nil, now: registry.access.clock.now())
        web.session = session
        web.startedSession = session
    }

    /// The `Set-Cookie` value of a session (an empty id clears the cookie).
    func cookie(_ id: String) -> String {
        var value = "\(WebRequest.cookieName)=\(id); Path=/; HttpOnly; SameSite=Strict"
        if secureCookies { value += "; Secure" }
        if id.isEmpty { value += "; Max-Age=0" }
        return value
    }

    /// Reads a form body (at most 1 MiB).
    private func readForm(_ request: Request, into web: inout WebRequest) async throws {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 1 << 20)
        } catch {
            throw WebProblem(status: .contentTooLarge, heading: "Too large", message: "The form is over 1 MiB.")
        }
        web.form = WebRequest.formFields(String(buffer: buffer))
    }

    /// Refuses a post from another site, or without this session's token.
    private func checkForm(_ request: Request, _ web: WebRequest) throws {
        if let name = WebResponses.secFetchSite, let site = request.headers[name], site != "same-origin", site != "none" {
            throw WebProblem.forgedForm
        }
        if let origin = request.headers[.origin] {
            // This server as the request named it, or as --external-url names it (behind a proxy).
            let stripped = origin.replacingOccurrences(of: "https://", with: "").replacingOccurrences(of: "http://", with: "")
            guard stripped == request.head.authority || stripped == pullHost else { throw WebProblem.forgedForm }
        }
        guard let session = web.session, WebRequest.sameSecret(web.form["csrf"] ?? "", session.csrfToken) else {
            throw WebProblem.forgedForm
        }
    }

    // MARK: Responses

    /// A page rendered from `template` with the layout's values.
    func render(_ template: String, _ values: [String: Any], _ web: WebRequest, status: HTTPResponse.Status = .ok) -> Response {
        var values = values
        values["csrf"] = web.csrfToken
        values["viewer"] = [
            "signedIn": web.viewer.isSignedIn, "name": web.viewer.principal?.name ?? "",
            "canSignIn": requiresAccounts, "administers": web.viewer.administers,
        ] as [String: Any]
        if let done = web.query["done"], let text = WebResponses.flashes[done] { values["flash"] = text }
        return WebResponses.html(library.render(values, withTemplate: template) ?? "", status: status)
    }

    func log(_ error: any Error, _ request: Request) {
        logger.error("interface request failed inside the server", metadata: [
            "method": .string(request.method.rawValue), "path": .string(request.uri.path), "error": .string(String(describing: error)),
        ])
    }

    /// The registry's `host:port` for pull commands.
    func pullRegistry(_ web: WebRequest) -> String { pullHost ?? web.host }
}
