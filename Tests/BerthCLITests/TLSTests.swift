import Foundation
import Testing

/// `berth serve --tls-certificate --tls-key`: HTTPS, with HTTP/2 offered by ALPN.
@Suite(.serialized) struct TLSTests {
    /// A self-signed certificate for 127.0.0.1, made with the openssl command.
    private func makeCertificate(in directory: String) async throws -> (certificate: String, key: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificate = "\(directory)/cert.pem"
        let key = "\(directory)/key.pem"
        let result = try await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                         "-keyout", key, "-out", certificate, "-days", "1", "-subj", "/CN=127.0.0.1",
                                         "-addext", "subjectAltName=IP:127.0.0.1"])
        guard result.status == 0 else { throw CertificateFailed(message: result.stderr) }
        return (certificate, key)
    }

    struct CertificateFailed: Error { let message: String }

    @Test func servesHTTPSWithHTTP2AndTakesAPushFromSkopeo() async throws {
        let directory = NSTemporaryDirectory() + "berth-tls-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try await makeCertificate(in: directory)
        let server = try ServerProcess(tls: true, extraArguments: ["--tls-certificate", files.certificate, "--tls-key", files.key])
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()

        let h2 = try await run("curl", ["-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "\(server.baseURL)/v2/"])
        #expect(h2.stdout == "2 200")
        let h1 = try await run("curl", ["-sk", "--http1.1", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "\(server.baseURL)/v2/"])
        #expect(h1.stdout == "1.1 200")
        // A HEAD answered with an error over HTTP/2: its status and no body (a body there closed the connection).
        let missing = try await run("curl", ["-sk", "--http2", "-I", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                                             "\(server.baseURL)/v2/secure/app/manifests/missing"])
        #expect(missing.stdout == "2 404", "\(missing.stderr)")
        let plain = try await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://\(server.host)/v2/"])
        #expect(plain.stdout != "200")

        let layout = try OCILayout()
        defer { layout.remove() }
        let image = try await layout.image(architecture: "amd64", content: "over TLS")
        try layout.tag(image.json, as: "v1")
        let push = try await run("skopeo", ["copy", "--dest-tls-verify=false", "oci:\(layout.path):v1", "docker://\(server.host)/secure/app:v1"])
        #expect(push.status == 0, "\(push.stderr)")
        let raw = try await run("skopeo", ["inspect", "--raw", "--tls-verify=false", "docker://\(server.host)/secure/app:v1"])
        #expect(Data(raw.stdout.utf8) == image.manifest)
    }

    @Test func aCertificateWithoutAKeyIsRefused() async throws {
        let result = try await runBerth(["serve", "--root", NSTemporaryDirectory() + "berth-never", "--tls-certificate", "/nonexistent.pem"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("needs both a certificate and a key"))
    }

    @Test func headersTrickledOverTLSAreCutOffByTheDeadline() async throws {
        let directory = NSTemporaryDirectory() + "berth-tls-slow-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try await makeCertificate(in: directory)
        let server = try ServerProcess(tls: true, extraArguments: ["--tls-certificate", files.certificate, "--tls-key", files.key,
                                                                   "--header-deadline", "1s", "--idle-timeout", "60s"])
        defer { server.stop(); server.removeRoot() }
        try await server.waitUntilReady()
        #expect(try await trickleHeaders(to: server, tls: true) == "closed")
    }
}
