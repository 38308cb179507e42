import BerthEngine
import BerthTestSupport
import BerthWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The replication page: endpoints and rules, Run now, executions and their tasks with errors.
@Suite struct ReplicationPageTests {
    @Test func runNowStartsAnExecutionWhoseFailedTasksShowTheirErrors() async throws {
        try await withInterface(replication: true) { client, _, _ in
            // An endpoint where nothing listens (set through the admin API): every task fails.
            let port = try LoopbackPort.free()
            let basic: HTTPFields = [.authorization: "Basic " + Data("admin:\(Accounts.password)".utf8).base64EncodedString(),
                                     .contentType: "application/json"]
            let endpoint = try await client.execute(uri: "/admin/v1/replication/endpoints/mirror", method: .put, headers: basic,
                                                    body: ByteBuffer(string: #"{"url":"http://127.0.0.1:\#(port)","insecure":true,"username":"robot","password":"never-shown-secret"}"#))
            #expect(endpoint.status == .ok)
            let rule = try await client.execute(uri: "/admin/v1/replication/rules/to-mirror", method: .put, headers: basic,
                                                body: ByteBuffer(string: #"{"mode":"push","endpoint":"mirror","repositories":"team/**"}"#))
            #expect(rule.status == .ok)

            var visitor = Visitor()
            _ = try await visitor.signIn(client, "admin")
            let page = try await visitor.get(client, "/replication")
            #expect(page.text.contains("http://127.0.0.1:\(port)") && page.text.contains("robot (password set)"))
            #expect(!page.text.contains("never-shown-secret"))
            #expect(page.text.contains("to-mirror") && page.text.contains("run-now"))
            let started = try await visitor.post(client, "/replication/rules/to-mirror/run")
            #expect(started.location == "/replication?done=run-started")

            var executionLink: String?
            for _ in 0..<100 {
                let listing = try await visitor.get(client, "/replication")
                if let range = listing.text.range(of: #"<a href="/replication/executions/"#),
                   listing.text.contains(">failed<") || listing.text.contains(">succeeded<") || listing.text.contains(">partial<") {
                    let rest = listing.text[range.upperBound...]
                    executionLink = "/replication/executions/" + rest.prefix { $0 != "\"" }
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let link = try #require(executionLink, "the run ends and is listed")
            let execution = try await visitor.get(client, link)
            #expect(execution.text.contains("team/app@sha256:"))
            #expect(execution.text.contains(">failed<"))
            let errorCell = execution.text.components(separatedBy: #"<td data-label="Error">"#).dropFirst().first ?? ""
            #expect(!errorCell.hasPrefix("</td>"), "a failed task shows its error")
        }
    }

    @Test func withoutReplicationThePageSaysSo() async throws {
        try await withInterface { client, _, _ in
            var visitor = Visitor()
            _ = try await visitor.signIn(client, "admin")
            #expect(try await visitor.get(client, "/replication").text.contains("Replication is not available"))
        }
    }
}
