import Foundation
import BerthTestSupport
import Testing

/// Docker Content Trust with Debian's `notary` client against a real `berth serve` over HTTPS
/// (a test CA), in the anonymous mode: what the client publishes is checked and stored by
/// Berth, and a second client verifies it from scratch.
@Suite(.serialized) struct TrustClientTests {
    /// A notary client with its own trust directory, passphrases through the environment.
    struct Notary {
        let server: String
        let directory: String
        let ca: String

        func callAsFunction(_ arguments: String...) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await run("env", ["NOTARY_ROOT_PASSPHRASE=root-passphrase", "NOTARY_TARGETS_PASSPHRASE=targets-passphrase",
                                  "NOTARY_SNAPSHOT_PASSPHRASE=snapshot-passphrase", "NOTARY_DELEGATION_PASSPHRASE=delegation-passphrase",
                                  "notary", "-s", server, "-d", directory, "--tlscacert", ca] + arguments)
        }
    }

    @Test func aPublishedCollectionIsListedByAFreshClientAndEveryChangeTakes() async throws {
        let directory = NSTemporaryDirectory() + "berth-trust-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tls = try await makeTestCA(in: directory)
        let server = try ServerProcess(root: "\(directory)/root", tls: true, extraArguments: ["--tls-certificate", tls.certificate, "--tls-key", tls.key])
        defer { server.stop() }
        try await server.waitUntilReady()
        let ca = "\(tls.caDirectory)/ca.crt"
        let gun = "\(server.host)/team/app"
        let notary = Notary(server: server.baseURL, directory: "\(directory)/client", ca: ca)
        let target = "\(directory)/target.txt"
        try Data("signed content".utf8).write(to: URL(fileURLWithPath: target))

        for step in [["init", gun], ["add", gun, "v1", target], ["publish", gun]] {
            let result = try await notary(step[0], step[1], step.count > 2 ? step[2] : "", step.count > 3 ? step[3] : "")
            #expect(result.status == 0, "notary \(step.joined(separator: " ")): \(result.stderr)")
        }
        let fresh = Notary(server: server.baseURL, directory: "\(directory)/fresh", ca: ca)
        let listed = try await fresh("list", gun)
        #expect(listed.status == 0 && listed.stdout.contains("v1") && listed.stdout.contains("14"), "\(listed.stdout)\(listed.stderr)")

        // The server takes over the snapshot and makes a new timestamp key; publishing goes on.
        #expect(try await notary("key", "rotate", gun, "snapshot", "-r").status == 0)
        #expect(try await notary("key", "rotate", gun, "timestamp", "-r").status == 0)
        #expect(try await notary("remove", gun, "v1").status == 0)
        #expect(try await notary("add", gun, "v2", target).status == 0)
        let published = try await notary("publish", gun)
        #expect(published.status == 0, "\(published.stderr)")
        let after = try await Notary(server: server.baseURL, directory: "\(directory)/third", ca: ca)("list", gun)
        #expect(after.stdout.contains("v2") && !after.stdout.contains("v1 "), "\(after.stdout)\(after.stderr)")

        // Trust data deleted remotely: a new init of the same name works.
        #expect(try await notary("delete", gun, "--remote").status == 0)
        #expect(try await Notary(server: server.baseURL, directory: "\(directory)/fourth", ca: ca)("list", gun).status != 0)
        let again = Notary(server: server.baseURL, directory: "\(directory)/new-root", ca: ca)
        #expect(try await again("init", gun).status == 0)
        #expect(try await again("publish", gun).status == 0)
    }

    @Test func overPlainHTTPTheTrustAPIRefusesWithAReason() async throws {
        let server = try ServerProcess()
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let response = try await httpGet("\(server.baseURL)/v2/\(server.host)/team/app/_trust/tuf/root.json")
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self).contains("Docker Content Trust needs HTTPS"))
    }
}
