import BerthEngine
import Foundation
import Hummingbird

/// Signing in and out with the registry's accounts (robots cannot), failures throttled and audited.
extension WebInterface {
    /// The sign-in form (in the anonymous mode there is nothing to sign in to).
    func signInPage(_ web: inout WebRequest, problem: String?, username: String, next: String,
                    status: HTTPResponse.Status = .ok) -> Response {
        guard requiresAccounts else { return WebResponses.redirect("/projects") }
        ensureSession(&web)
        var values: [String: Any] = ["username": username, "next": Self.safeNext(next) ?? ""]
        if let problem { values["problem"] = problem }
        return render("login", values, web, status: status)
    }

    /// Checks the credentials; on success a new session (never the one the form came with,
    /// so a session id planted before sign-in is worth nothing after it).
    func signIn(_ request: Request, _ context: Context, _ web: inout WebRequest) async throws -> Response {
        guard requiresAccounts else { return WebResponses.redirect("/projects") }
        let username = web.form["username"] ?? ""
        let password = web.form["password"] ?? ""
        let next = web.form["next"] ?? ""
        let now = registry.access.clock.now()
        let keys = ["address \(web.clientAddress)", "account \(username.lowercased())"]
        if let wait = throttle.wait(for: keys, now: now) {
            await registry.access.audit(AuditEvent(time: now, actor: String(username.prefix(64)), action: "login-throttled",
                                                   detail: "interface sign-in from \(web.clientAddress) refused for \(Int(wait.rounded(.up))) s"))
            var response = signInPage(&web, problem: "Too many failed sign-ins. Try again in \(Int(wait.rounded(.up))) seconds.",
                                      username: username, next: next, status: .tooManyRequests)
            response.headers[.retryAfter] = String(Int(wait.rounded(.up)))
            return response
        }
        guard let principal = await registry.access.authenticate(username, password: password) else {
            // `authenticate` audited the failure.
            throttle.recordFailure(for: keys, now: now)
            return signInPage(&web, problem: "Wrong account name or password.", username: username, next: next, status: .unauthorized)
        }
        if (try? registry.access.account(username))??.isRobot == true {
            await registry.access.audit(AuditEvent(time: now, actor: username, action: "login-failed", detail: "robot accounts cannot sign in to the interface"))
            return signInPage(&web, problem: "Robot accounts cannot sign in to the interface; they use the registry API.",
                              username: username, next: next, status: .forbidden)
        }
        if let old = web.session { sessions.end(old.id) }
        let session = sessions.start(account: principal.name, now: now)
        await registry.access.audit(AuditEvent(time: now, actor: principal.displayName, action: "login", detail: "interface, from \(web.clientAddress)"))
        var response = WebResponses.redirect(Self.safeNext(next) ?? "/projects")
        response.headers[values: .setCookie].append(cookie(session.id))
        return response
    }

    /// Ends the session and clears its cookie.
    func signOut(_ web: WebRequest) -> Response {
        if let session = web.session { sessions.end(session.id) }
        var response = WebResponses.redirect("/projects?done=signed-out")
        response.headers[values: .setCookie].append(cookie(""))
        return response
    }

    /// A page of this site to return to after signing in: a path (`/…`, not `//…`), else nil.
    static func safeNext(_ next: String) -> String? {
        guard next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), !next.contains("\r"), !next.contains("\n") else { return nil }
        return next
    }

    /// For a viewer who is not signed in: to the sign-in form, back here afterwards.
    func signInFirst(_ web: WebRequest) -> Response {
        WebResponses.redirect("/login?next=" + WebFormat.escapePath(web.path))
    }
}
