import Foundation
import BerthTestSupport
import Testing

/// The web interface in a real browser: Debian's chromium driven by Selenium
/// (`Tests/Browser/interface.py`) against a real `berth serve` with accounts, over a signed
/// multi-arch image pushed by skopeo and the distribution API (cosign and Notation
/// signatures, an SBOM with its own signature) and an unsigned image beside it.
@Suite(.serialized) struct InterfaceBrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser/interface.py").path

    @Test func aMaintainerReadsTheAccessoriesTableDeletesSignaturesAndTheArtifactWhileAReaderCannot() async throws {
        let directory = NSTemporaryDirectory() + "berth-browser-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let root = "\(directory)/root"
        let password = "correct-horse-battery"
        for (name, admin) in [("admin", true), ("maint", false), ("reader", false)] {
            let added = try await run("env", ["BERTH_NEW_PASSWORD=\(password)", berthExecutable().path, "user", "add", name, "--root", root]
                                          + (admin ? ["--admin"] : []))
            #expect(added.status == 0, "\(added.stderr)")
        }
        #expect(try await runBerth(["project", "add", "team", "--root", root], input: nil).status == 0)
        #expect(try await runBerth(["member", "add", "team", "maint", "--role", "maintainer", "--root", root], input: nil).status == 0)
        #expect(try await runBerth(["member", "add", "team", "reader", "--role", "guest", "--root", root], input: nil).status == 0)

        let server = try ServerProcess(root: root, adminPassword: password)
        defer { server.stop() }
        try await server.waitUntilReady()
        let tree = try await SignedImageTree.push(to: server.host, repository: "team/app", tag: "v1", content: "browser",
                                                  credentials: "admin:\(password)")
        let layout = try OCILayout()
        defer { layout.remove() }
        let plain = try await layout.image(architecture: "amd64", content: "unsigned")
        try layout.tag(plain.json, as: "plain")
        let copied = try await run("skopeo", ["copy", "--dest-tls-verify=false", "--dest-creds", "admin:\(password)",
                                              "oci:\(layout.path):plain", "docker://\(server.host)/team/app:plain"])
        #expect(copied.status == 0, "\(copied.stderr)")

        let screenshots = FileManager.default.currentDirectoryPath + "/.build/screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        let environment = [
            "BASE_URL=\(server.baseURL)", "REPOSITORY=team/app", "MAINTAINER=maint:\(password)", "READER=reader:\(password)",
            "INDEX=\(tree.index)", "COSIGN=\(tree.cosign)", "NOTATION=\(tree.notation)", "SBOM=\(tree.sbom)",
            "SBOM_SIGNATURE=\(tree.sbomSignature)", "UNSIGNED=\(plain.digest)", "SCREENSHOTS=\(screenshots)",
        ]
        let browser = try await run("env", environment + ["python3", Self.script])
        #expect(browser.status == 0, "\(browser.stdout)\n\(browser.stderr)")
        #expect(browser.stdout.contains("every check passed"))

        // What the browser deleted is gone from the OCI API too; the unsigned image stays.
        let auth = ["Authorization": "Basic " + Data("admin:\(password)".utf8).base64EncodedString()]
        for gone in [tree.index, tree.cosign, tree.notation, tree.sbom, tree.sbomSignature] {
            let response = try await httpGet("\(server.baseURL)/v2/team/app/manifests/\(gone)", headers: auth)
            #expect(response.status == 404, "\(gone) is gone")
        }
        let referrers = try await httpGet("\(server.baseURL)/v2/team/app/referrers/\(tree.index)", headers: auth)
        let manifests = (try JSONSerialization.jsonObject(with: referrers.body) as? [String: Any])?["manifests"] as? [Any]
        #expect(manifests?.isEmpty == true)
        #expect(try await httpGet("\(server.baseURL)/v2/team/app/manifests/plain", headers: auth).status == 200)
        let audit = try await httpGet("\(server.baseURL)/admin/v1/audit", headers: auth)
        let deletes = String(decoding: audit.body, as: UTF8.self).components(separatedBy: "\"delete\"").count - 1
        #expect(deletes == 3, "two accessory deletes and one artifact delete are audited")
    }
}
