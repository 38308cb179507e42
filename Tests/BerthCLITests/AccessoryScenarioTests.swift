import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The reference text's scenario end to end, against `berth serve`, with skopeo copying images
/// and tag-scheme signatures, oras-py pushing OCI 1.1 referrers, and the `berth` CLI managing
/// policies, accessories and GC through the admin API.
@Suite(.serialized) struct AccessoryScenarioTests {
    /// Everything one scenario needs: a server, a layout to copy from, keys.
    final class Scenario: @unchecked Sendable {
        let server: ServerProcess
        let layout: OCILayout
        let keys: String
        let trusted: OpenSSLKeyPair
        let stranger: OpenSSLKeyPair

        init() async throws {
            server = try ServerProcess()
            layout = try OCILayout()
            keys = NSTemporaryDirectory() + "berth-scenario-keys-\(UUID().uuidString)"
            trusted = try await OpenSSLKeyPair(in: keys)
            stranger = try await OpenSSLKeyPair(in: keys)
            try await server.waitUntilReady()
        }

        func finish() {
            server.stop()
            server.removeRoot()
            layout.remove()
            try? FileManager.default.removeItem(atPath: keys)
        }

        /// skopeo copy of a layout entry (tagged `as` in index.json) to `target` on the server.
        func copy(_ descriptorJSON: String, to target: String) async throws {
            try layout.tag(descriptorJSON, as: "x")
            let result = try await run("skopeo", ["copy", "--preserve-digests", "--dest-tls-verify=false", "oci:\(layout.path):x", "docker://\(server.host)/\(target)"])
            #expect(result.status == 0, "\(result.stderr)")
        }

        /// Pushes an image as app:<tag>; returns its digest.
        func pushImage(_ tag: String, content: String) async throws -> String {
            let image = try await layout.image(architecture: "amd64", content: content)
            try await copy(image.json, to: "app:\(tag)")
            return image.digest
        }

        /// Signs `digest` the cosign tag-scheme way with `key`; returns the signature's digest.
        @discardableResult
        func sign(_ digest: String, with key: OpenSSLKeyPair) async throws -> String {
            let signature = try await layout.cosignSignature(of: digest, privateKey: key.privateKey)
            try await copy(signature.json, to: "app:sha256-\(digest.dropFirst(7)).sig")
            return signature.digest
        }

        func berth(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await runBerth(arguments + ["--url", server.baseURL])
        }

        /// Whether skopeo can read the manifest content (a GET: the signed-only policy applies).
        func pullable(_ reference: String) async throws -> Bool {
            try await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(server.host)/\(reference)"]).status == 0
        }

        func accessories(_ reference: String) async throws -> [[String: Any]] {
            let listed = try await berth(["accessories", reference, "--json"])
            #expect(listed.status == 0, "\(listed.stderr)")
            let tree = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
            return tree?["accessories"] as? [[String: Any]] ?? []
        }
    }

    @Test func signListPullUnderPolicyDeleteResignDeleteImage() async throws {
        let scenario = try await Scenario()
        defer { scenario.finish() }
        let signedDigest = try await scenario.pushImage("v1", content: "release one")
        let unsignedDigest = try await scenario.pushImage("v2", content: "release two")
        let signature = try await scenario.sign(signedDigest, with: scenario.trusted)

        // List: the signature is an accessory, linked by the tag scheme.
        let listed = try await scenario.accessories("app:v1")
        #expect(listed.count == 1)
        #expect(listed.first?["digest"] as? String == signature)
        #expect(listed.first?["type"] as? String == "signature.cosign")
        let table = try await scenario.berth(["accessories", "app:v1"])
        #expect(table.stdout.contains("signature.cosign"))
        #expect(table.stdout.contains("signed: yes"))
        let artifacts = try await scenario.berth(["artifacts", "app"])
        #expect(artifacts.stdout.contains("SIGNED"))

        // Signed-only (present): unsigned refused with 412 DENIED, signed accepted, HEAD always answered.
        #expect(try await scenario.berth(["policy", "signed-only", "--repositories", "app"]).status == 0)
        #expect(try await scenario.pullable("app:v1"))
        #expect(try await scenario.pullable("app:v2") == false)
        let refused = try await httpGet("\(scenario.server.baseURL)/v2/app/manifests/v2")
        #expect(refused.status == 412)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("\"DENIED\""))
        var head = URLRequest(url: URL(string: "\(scenario.server.baseURL)/v2/app/manifests/v2")!)
        head.httpMethod = "HEAD"
        let (_, headResponse) = try await URLSession.shared.data(for: head)
        #expect((headResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect(try await scenario.pullable("app:sha256-\(signedDigest.dropFirst(7)).sig"))

        // Delete the signature: the image is unsigned again; sign again: pullable again.
        let deleted = try await scenario.berth(["accessories", "app:v1", "--delete", signature])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try await scenario.accessories("app:v1").isEmpty)
        #expect(try await scenario.pullable("app:v1") == false)
        try await scenario.sign(signedDigest, with: scenario.trusted)
        #expect(try await scenario.pullable("app:v1"))

        // Verified level: a signature by a key the registry does not trust is refused.
        #expect(try await scenario.berth(["policy", "clear", "signed-only"]).status == 0)
        #expect(try await scenario.berth(["policy", "trust-key", "--name", "release", "--key", scenario.trusted.publicKey]).status == 0)
        #expect(try await scenario.berth(["policy", "signed-only", "--repositories", "app", "--level", "verified"]).status == 0)
        #expect(try await scenario.pullable("app:v1"))
        try await scenario.sign(unsignedDigest, with: scenario.stranger)
        #expect(try await scenario.pullable("app:v2") == false)
        try await scenario.sign(unsignedDigest, with: scenario.trusted)
        #expect(try await scenario.pullable("app:v2"))
        #expect(try await scenario.berth(["policy", "clear", "signed-only"]).status == 0)

        // Delete the image: its signatures go with it.
        let deleteImage = try await run("skopeo", ["delete", "--tls-verify=false", "docker://\(scenario.server.host)/app:v1"])
        #expect(deleteImage.status == 0, "\(deleteImage.stderr)")
        let tags = try await httpGet("\(scenario.server.baseURL)/v2/app/tags/list")
        let names = (try JSONSerialization.jsonObject(with: tags.body) as? [String: Any])?["tags"] as? [String] ?? []
        #expect(!names.contains("sha256-\(signedDigest.dropFirst(7)).sig"))
        #expect(names.contains("sha256-\(unsignedDigest.dropFirst(7)).sig"))
    }

    @Test func orasReferrersAndASignaturePushedBeforeItsSubject() async throws {
        let scenario = try await Scenario()
        defer { scenario.finish() }
        // The signature arrives first (as when signatures are copied before images).
        let image = try await scenario.layout.image(architecture: "arm64", content: "late subject")
        let signature = try await scenario.sign(image.digest, with: scenario.trusted)
        #expect(try await scenario.accessories("app@\(image.digest)").map { $0["digest"] as? String } == [signature])
        try await scenario.copy(image.json, to: "app:late")

        // An SBOM as an OCI 1.1 referrer pushed by oras-py.
        let work = NSTemporaryDirectory() + "berth-scenario-oras-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Data(#"{"spdxVersion":"SPDX-2.3","name":"late"}"#.utf8).write(to: URL(fileURLWithPath: "\(work)/sbom.spdx.json"))
        let script = """
        import os, oras.client, oras.oci
        client = oras.client.OrasClient(hostname="\(scenario.server.host)", insecure=True)
        os.chdir("\(work)")
        subject = oras.oci.Subject(mediaType="application/vnd.oci.image.manifest.v1+json", digest="\(image.digest)", size=\(image.manifest.count))
        response = client.push(target="\(scenario.server.host)/app:sbom", files=["sbom.spdx.json:application/spdx+json"], subject=subject)
        assert response.status_code == 201, response.status_code
        """
        let pushed = try await run("python3", ["-c", script])
        #expect(pushed.status == 0, "\(pushed.stderr)")
        let tree = try await scenario.accessories("app:late")
        #expect(tree.count == 2)
        #expect(Set(tree.compactMap { $0["type"] as? String }) == ["signature.cosign", "sbom"])
    }

    @Test func gcWithTheUntaggedRuleKeepsLiveAccessoriesAndAnImmutableRuleProtectsASignature() async throws {
        let scenario = try await Scenario()
        defer { scenario.finish() }
        let live = try await scenario.pushImage("v1", content: "live image")
        let liveSignature = try await scenario.sign(live, with: scenario.trusted)
        // An image pushed by digest only, with a signature: it falls to the untagged rule.
        let doomed = try await scenario.layout.image(architecture: "amd64", content: "untagged image")
        try await scenario.copy(doomed.json, to: "app@\(doomed.digest)")
        let doomedSignature = try await scenario.sign(doomed.digest, with: scenario.trusted)

        #expect(try await scenario.berth(["policy", "gc", "--untagged", "on", "--untagged-grace", "0s", "--blob-grace", "0s"]).status == 0)
        let dry = try await scenario.berth(["gc", "--dry-run", "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let dryReport = try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any]
        #expect(Set(dryReport?["manifests"] as? [String] ?? []) == ["app@\(doomed.digest)", "app@\(doomedSignature)"])

        let real = try await scenario.berth(["gc"])
        #expect(real.status == 0, "\(real.stderr)")
        #expect(try await httpGet("\(scenario.server.baseURL)/v2/app/manifests/\(doomed.digest)").status == 404)
        #expect(try await httpGet("\(scenario.server.baseURL)/v2/app/manifests/\(doomedSignature)").status == 404)
        #expect(try await httpGet("\(scenario.server.baseURL)/v2/app/manifests/\(liveSignature)").status == 200)
        #expect(try await scenario.accessories("app:v1").count == 1)

        // Immutable release: neither the tag, the image nor its signature can be deleted; signing again works.
        #expect(try await scenario.berth(["policy", "immutable", "--repositories", "app", "--tags", "v*"]).status == 0)
        var delete = URLRequest(url: URL(string: "\(scenario.server.baseURL)/v2/app/manifests/\(liveSignature)")!)
        delete.httpMethod = "DELETE"
        let (body, response) = try await URLSession.shared.data(for: delete)
        #expect((response as? HTTPURLResponse)?.statusCode == 403)
        #expect(String(decoding: body, as: UTF8.self).contains("immutable"))
        #expect(try await scenario.berth(["accessories", "app:v1", "--delete", liveSignature]).status != 0)
        let resigned = try await scenario.sign(live, with: scenario.trusted)
        #expect(try await scenario.accessories("app:v1").map { $0["digest"] as? String } == [resigned])
    }

    @Test func anAccessoryDeleteRefusesWhatIsNotAnAccessoryOfTheNamedArtifact() async throws {
        let scenario = try await Scenario()
        defer { scenario.finish() }
        let first = try await scenario.pushImage("v1", content: "first image")
        let second = try await scenario.pushImage("v2", content: "second image")
        let secondSignature = try await scenario.sign(second, with: scenario.trusted)
        // Neither the subject itself nor another artifact's signature is an accessory of app:v1.
        for digest in [first, secondSignature] {
            let refused = try await scenario.berth(["accessories", "app:v1", "--delete", digest])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("is not an accessory of"), "\(refused.stderr)")
        }
        #expect(try await httpGet("\(scenario.server.baseURL)/v2/app/manifests/\(first)").status == 200)
        #expect(try await scenario.accessories("app:v2").map { $0["digest"] as? String } == [secondSignature])
        // Its own accessory goes.
        let deleted = try await scenario.berth(["accessories", "app:v2", "--delete", secondSignature])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(try await scenario.accessories("app:v2").isEmpty)
    }
}
