@testable import BerthEngine
import BerthModel
import Foundation
import Testing

/// Endpoint and rule documents: every mistake is refused with its field named, and a rule's
/// namespace names the destination repository.
@Suite struct ReplicationDocumentTests {
    @Test func aPlainHTTPEndpointNeedsInsecure() {
        let endpoint = ReplicationEndpoint(name: "peer", url: "http://registry.example:5000")
        #expect(endpoint.problems.count == 1)
        #expect(endpoint.problems.first?.hasPrefix("url:") == true)
        #expect(ReplicationEndpoint(name: "peer", url: "http://registry.example:5000", insecure: true).problems.isEmpty)
    }

    @Test func anEndpointURLWithAPathOrCredentialsIsRefused() {
        #expect(ReplicationEndpoint(name: "peer", url: "https://registry.example/v2").problems.first?.hasPrefix("url:") == true)
        #expect(ReplicationEndpoint(name: "peer", url: "https://alice:secret@registry.example").problems.first?.hasPrefix("url:") == true)
        #expect(ReplicationEndpoint(name: "peer", url: "registry.example").problems.first?.hasPrefix("url:") == true)
    }

    @Test func anEndpointNameIsLowerCaseWithoutSpaces() {
        #expect(ReplicationEndpoint(name: "Peer One", url: "https://registry.example").problems.first?.hasPrefix("name:") == true)
        #expect(ReplicationEndpoint(name: "", url: "https://registry.example").problems.first?.hasPrefix("name:") == true)
    }

    @Test func aUsernameMayNotCarryAColon() {
        let endpoint = ReplicationEndpoint(name: "peer", url: "https://registry.example", username: "alice:admin")
        #expect(endpoint.problems.first?.hasPrefix("username:") == true)
    }

    @Test func aRuleConcurrencyOutsideItsBoundsIsRefused() {
        #expect(ReplicationRule(name: "r", mode: .push, endpoint: "peer", concurrency: 0).problems.first?.hasPrefix("concurrency:") == true)
        #expect(ReplicationRule(name: "r", mode: .push, endpoint: "peer", concurrency: 65).problems.first?.hasPrefix("concurrency:") == true)
    }

    @Test func aPullRuleCannotRequireVerifiedSignatures() {
        let rule = ReplicationRule(name: "r", mode: .pull, endpoint: "peer", signedOnly: .verified)
        #expect(rule.problems.first?.hasPrefix("signedOnly:") == true)
    }

    @Test func anEventTriggerNeedsPushMode() {
        let rule = ReplicationRule(name: "r", mode: .pull, endpoint: "peer", trigger: .init(kind: .event))
        #expect(rule.problems.first?.hasPrefix("trigger.kind:") == true)
    }

    @Test func aScheduledRuleNeedsAPositiveInterval() {
        let rule = ReplicationRule(name: "r", mode: .push, endpoint: "peer", trigger: .init(kind: .scheduled, intervalSeconds: 0))
        #expect(rule.problems.first?.hasPrefix("trigger.intervalSeconds:") == true)
    }

    @Test func aRuleNamingAnUnknownEndpointIsRefused() {
        var settings = ReplicationSettings()
        settings.rules = [ReplicationRule(name: "r", mode: .push, endpoint: "nowhere")]
        #expect(settings.problems.contains { $0.contains("endpoint") && $0.contains("nowhere") })
    }

    @Test func aMissingModeIsADecodingErrorNamingTheField() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ReplicationRule.self, from: Data(#"{"endpoint":"peer"}"#.utf8))
        }
    }

    @Test func aPrefixNamespaceGoesBeforeTheRepository() throws {
        let rule = ReplicationRule(name: "r", mode: .push, endpoint: "peer", namespace: "mirror")
        #expect(try rule.destination(of: repo("team/app")).value == "mirror/team/app")
    }

    @Test func aReplaceFirstNamespaceReplacesTheFirstSegment() throws {
        let rule = ReplicationRule(name: "r", mode: .push, endpoint: "peer", namespace: "prod", namespaceMode: .replaceFirst)
        #expect(try rule.destination(of: repo("team/app")).value == "prod/app")
        #expect(try rule.destination(of: repo("app")).value == "prod")
    }

    @Test func withoutANamespaceTheRepositoryKeepsItsName() throws {
        #expect(try ReplicationRule(name: "r", mode: .push, endpoint: "peer").destination(of: repo("team/app")).value == "team/app")
    }
}
