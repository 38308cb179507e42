import BerthEngine
import BerthWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Signing in and out, the session cookie, expiry, tampering, the sign-in throttle.
@Suite struct SessionTests {
    @Test func signingInSetsAnHttpOnlySameSiteStrictCookieOfAFreshSession() async throws {
        try await withInterface { client, _, _ in
            var visitor = Visitor()
            _ = try await visitor.get(client, "/login")
            let before = visitor.cookie
            let response = try await visitor.signIn(client, "maint")
            #expect(response.status == .seeOther)
            #expect(response.location == "/projects")
            let setCookie = response.headers[values: .setCookie].joined()
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"))
            #expect(!setCookie.contains("Secure"), "no Secure flag over plain HTTP")
            #expect(before != nil && visitor.cookie != before, "the session signed in is not the one the form came with")
            let page = try await visitor.get(client, "/projects")
            #expect(page.text.contains(#"<span id="signed-in-as">maint</span>"#))
        }
    }

    @Test func aWrongPasswordIsRefusedAndAudited() async throws {
        try await withInterface { client, registry, _ in
            var visitor = Visitor()
            let response = try await visitor.signIn(client, "maint", password: "not-the-password")
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("Wrong account name or password."))
            let events = try registry.access.auditLog(limit: 10)
            #expect(events.contains { $0.action == "login-failed" && $0.actor == "maint" })
        }
    }

    @Test func repeatedFailuresAreThrottledEvenWithTheRightPassword() async throws {
        try await withInterface(throttle: SignInThrottle(limit: 3, window: 600)) { client, registry, _ in
            var visitor = Visitor()
            for _ in 0..<3 { #expect(try await visitor.signIn(client, "dev", password: "wrong-password").status == .unauthorized) }
            let refused = try await visitor.signIn(client, "dev")
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(try registry.access.auditLog(limit: 20).contains { $0.action == "login-throttled" })
        }
    }

    @Test func behindATrustedProxyTheThrottleCountsEachForwardedClientApart() async throws {
        @Sendable func forwarded(_ value: String) -> HTTPFields {
            var headers = HTTPFields()
            if let name = HTTPField.Name("X-Forwarded-For") { headers[name] = value }
            return headers
        }
        try await withInterface(throttle: SignInThrottle(limit: 2, window: 600), trustForwardedFor: true) { client, _, _ in
            var attacker = Visitor()
            for _ in 0..<2 {
                let failed = try await attacker.signIn(client, "outsider", password: "wrong-password", extraHeaders: forwarded("198.51.100.9, 10.0.0.1"))
                #expect(failed.status == .unauthorized)
            }
            let refused = try await attacker.signIn(client, "dev", extraHeaders: forwarded("10.0.0.1"))
            #expect(refused.status == .tooManyRequests)
            var someoneElse = Visitor()
            let admitted = try await someoneElse.signIn(client, "dev", extraHeaders: forwarded("10.0.0.2"))
            #expect(admitted.status == .seeOther, "another client behind the same proxy still signs in")
        }
    }

    @Test func robotAccountsCannotSignIn() async throws {
        try await withInterface { client, _, _ in
            var visitor = Visitor()
            let response = try await visitor.signIn(client, "robot$ci")
            #expect(response.status == .forbidden)
            #expect(response.text.contains("Robot accounts cannot sign in"))
            #expect(!(try await visitor.get(client, "/projects")).text.contains("signed-in-as"))
        }
    }

    @Test func signingOutEndsTheSessionOnTheServer() async throws {
        try await withInterface { client, _, _ in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            let signedIn = visitor
            _ = try await visitor.get(client, "/projects")
            #expect(try await visitor.post(client, "/logout").status == .seeOther)
            // The old cookie, replayed, is no session any more.
            var replay = signedIn
            let page = try await replay.get(client, "/repositories/team/app")
            #expect(page.status == .seeOther)
            #expect(page.location?.hasPrefix("/login?next=") == true)
        }
    }

    @Test func anIdleSessionExpires() async throws {
        let clock = ManualClock()
        try await withInterface(clock: clock, sessions: WebSessionStore(idleTimeout: 60)) { client, _, _ in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            #expect(try await visitor.get(client, "/repositories/team/app").status == .ok)
            clock.advance(by: 61)
            let expired = try await visitor.get(client, "/repositories/team/app")
            #expect(expired.status == .seeOther, "an idle session has ended")
        }
    }

    @Test func aTamperedCookieIsNoSession() async throws {
        try await withInterface { client, _, _ in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "admin")
            let value = try #require(visitor.cookie)
            visitor.cookie = String(value.dropLast()) + (value.last == "A" ? "B" : "A")
            let page = try await visitor.get(client, "/audit")
            #expect(page.status == .unauthorized)
            #expect(!page.text.contains("signed-in-as"))
        }
    }

    @Test func aRemovedAccountsSessionEnds() async throws {
        try await withInterface { client, registry, _ in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "maint")
            try await registry.access.removeAccount("maint")
            #expect(try await visitor.get(client, "/repositories/team/app").status == .seeOther)
        }
    }

    @Test func theAnonymousModeHasNoSignIn() async throws {
        try await withInterface(accounts: false) { client, _, _ in
            var visitor = Visitor()
            #expect(try await visitor.get(client, "/login").location == "/projects")
            let page = try await visitor.get(client, "/projects")
            #expect(!page.text.contains(#"id="sign-in""#))
            #expect(page.text.contains("team"))
        }
    }

    @Test func aSignInRedirectsOnlyToAPathOfThisSite() async throws {
        try await withInterface { client, _, _ in
            var visitor = Visitor()
            _ = try await visitor.get(client, "/login")
            let response = try await visitor.post(client, "/login", ["username": "maint", "password": Accounts.password, "next": "//evil.example/x"])
            #expect(response.location == "/projects")
        }
    }
}
