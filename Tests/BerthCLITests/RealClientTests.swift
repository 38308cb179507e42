import BerthEngine
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The registry exercised by real clients: skopeo (containers/image) and oras-py, against a
/// `berth serve` process on loopback.
@Suite(.serialized) struct RealClientTests {
    @Test func skopeoCopiesAnImageInAndOutByteForByte() async throws {
        let server = try ServerProcess()
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let layout = try OCILayout()
        defer { layout.remove() }
        let image = try await layout.image(architecture: "amd64", content: "hello from berth")
        try layout.tag(image.json, as: "v1")

        let push = try await run("skopeo", ["copy", "--dest-tls-verify=false", "oci:\(layout.path):v1", "docker://\(server.host)/team/app:v1"])
        #expect(push.status == 0, "\(push.stderr)")

        let raw = try await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(server.host)/team/app:v1"])
        #expect(raw.status == 0, "\(raw.stderr)")
        #expect(Data(raw.stdout.utf8) == image.manifest)

        let out = NSTemporaryDirectory() + "berth-pulled-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let pull = try await run("skopeo", ["copy", "--src-tls-verify=false", "docker://\(server.host)/team/app:v1", "oci:\(out):v1"])
        #expect(pull.status == 0, "\(pull.stderr)")
        let original = try FileManager.default.contentsOfDirectory(atPath: "\(layout.path)/blobs/sha256").sorted()
        let pulled = try FileManager.default.contentsOfDirectory(atPath: "\(out)/blobs/sha256").sorted()
        #expect(pulled == original)
        for name in original {
            #expect(FileManager.default.contents(atPath: "\(out)/blobs/sha256/\(name)") == FileManager.default.contents(atPath: "\(layout.path)/blobs/sha256/\(name)"))
        }
    }

    @Test func skopeoCopiesAMultiArchIndex() async throws {
        let server = try ServerProcess()
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let layout = try OCILayout()
        defer { layout.remove() }
        let amd64 = try await layout.image(architecture: "amd64", content: "amd64 build")
        let arm64 = try await layout.image(architecture: "arm64", content: "arm64 build")
        let index = Data(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[\#(amd64.json),\#(arm64.json)]}"#.utf8)
        let indexDescriptor = try layout.blob(index, mediaType: "application/vnd.oci.image.index.v1+json")
        try layout.tag(indexDescriptor.json, as: "multi")

        let push = try await run("skopeo", ["copy", "--all", "--dest-tls-verify=false", "oci:\(layout.path):multi", "docker://\(server.host)/app:multi"])
        #expect(push.status == 0, "\(push.stderr)")
        let raw = try await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(server.host)/app:multi"])
        #expect(Data(raw.stdout.utf8) == index)
        let arm = try await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(server.host)/app@\(arm64.digest)"])
        #expect(Data(arm.stdout.utf8) == arm64.manifest)
    }

    @Test func skopeoListsTagsAndDeletes() async throws {
        let server = try ServerProcess()
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let layout = try OCILayout()
        defer { layout.remove() }
        let image = try await layout.image(architecture: "amd64", content: "tagged")
        try layout.tag(image.json, as: "v1")
        for tag in ["v1", "v2", "latest"] {
            let push = try await run("skopeo", ["copy", "--dest-tls-verify=false", "oci:\(layout.path):v1", "docker://\(server.host)/app:\(tag)"])
            #expect(push.status == 0, "\(push.stderr)")
        }
        let list = try await run("skopeo", ["list-tags", "--tls-verify=false", "docker://\(server.host)/app"])
        #expect(list.status == 0, "\(list.stderr)")
        let tags = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
        #expect(tags?["Tags"] as? [String] == ["latest", "v1", "v2"])

        let delete = try await run("skopeo", ["delete", "--tls-verify=false", "docker://\(server.host)/app:v2"])
        #expect(delete.status == 0, "\(delete.stderr)")
        // skopeo deletes by digest: the manifest goes, and every tag that named it.
        let gone = try await httpGet("\(server.baseURL)/v2/app/manifests/v1")
        #expect(gone.status == 404)
    }

    @Test func orasPushesAndPullsAnArtifactInChunks() async throws {
        let server = try ServerProcess()
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let work = NSTemporaryDirectory() + "berth-oras-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(work)/out", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let payload = String(repeating: "berth artifact line\n", count: 5000)
        try Data(payload.utf8).write(to: URL(fileURLWithPath: "\(work)/artifact.txt"))
        let script = """
        import os, sys
        import oras.client
        client = oras.client.OrasClient(hostname="\(server.host)", insecure=True)
        os.chdir("\(work)")
        response = client.push(target="\(server.host)/tools/artifact:v1", files=["artifact.txt"], do_chunked=True, chunk_size=16384)
        assert response.status_code == 201, response.status_code
        files = client.pull(target="\(server.host)/tools/artifact:v1", outdir="\(work)/out")
        print("\\n".join(files))
        """
        let result = try await run("python3", ["-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: "\(work)/out/artifact.txt") == Data(payload.utf8))
    }

    @Test func orasAttachesAReferrerThatTheReferrersAPIReturns() async throws {
        let server = try ServerProcess()
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        let work = NSTemporaryDirectory() + "berth-oras-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Data("the subject".utf8).write(to: URL(fileURLWithPath: "\(work)/subject.txt"))
        try Data("the signature".utf8).write(to: URL(fileURLWithPath: "\(work)/signature.txt"))
        let script = """
        import os
        import oras.client, oras.oci, requests
        client = oras.client.OrasClient(hostname="\(server.host)", insecure=True)
        os.chdir("\(work)")
        first = client.push(target="\(server.host)/app:v1", files=["subject.txt"])
        subject = first.headers["Docker-Content-Digest"]
        head = requests.head("\(server.baseURL)/v2/app/manifests/" + subject)
        described = oras.oci.Subject(mediaType=head.headers["Content-Type"], digest=subject, size=int(head.headers["Content-Length"]))
        second = client.push(target="\(server.host)/app:sig", files=["signature.txt"], subject=described)
        assert second.status_code == 201, second.status_code
        print(subject)
        print(second.headers.get("OCI-Subject", ""))
        """
        let result = try await run("python3", ["-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let subject = try #require(lines.first)
        #expect(lines.dropFirst().first == subject)
        let referrers = try await httpGet("\(server.baseURL)/v2/app/referrers/\(subject)")
        #expect(referrers.status == 200)
        let index = try JSONSerialization.jsonObject(with: referrers.body) as? [String: Any]
        #expect((index?["manifests"] as? [Any])?.count == 1)
    }

    @Test func sigtermStopsTheServerCleanlyAndUploadsSurviveIt() async throws {
        let server = try ServerProcess()
        defer { server.removeRoot() }
        try await server.waitUntilReady()
        var start = URLRequest(url: URL(string: "\(server.baseURL)/v2/app/blobs/uploads/")!)
        start.httpMethod = "POST"
        let (_, startResponse) = try await URLSession.shared.data(for: start)
        let location = try #require((startResponse as? HTTPURLResponse)?.value(forHTTPHeaderField: "Location"))
        var patch = URLRequest(url: URL(string: "\(server.baseURL)\(location)")!)
        patch.httpMethod = "PATCH"
        patch.setValue("0-4", forHTTPHeaderField: "Content-Range")
        patch.httpBody = Data("hello".utf8)
        _ = try await URLSession.shared.data(for: patch)
        #expect(server.stop() == 0, "\(server.log())")

        let restarted = try ServerProcess(root: server.root)
        defer { restarted.stop() }
        try await restarted.waitUntilReady()
        let status = try await httpGet("\(restarted.baseURL)\(location)")
        #expect(status.status == 204)
        #expect(status.headers["range"] == "0-4")
    }
}
