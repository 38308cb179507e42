import Foundation

/// A CA, and a server certificate for 127.0.0.1 it signed; skopeo trusts `caDirectory`.
func makeTestCA(in directory: String) async throws -> (caDirectory: String, certificate: String, key: String) {
    let caDirectory = "\(directory)/ca"
    try FileManager.default.createDirectory(atPath: caDirectory, withIntermediateDirectories: true)
    let steps: [[String]] = [
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "\(directory)/ca.key",
         "-out", "\(caDirectory)/ca.crt", "-days", "1", "-subj", "/CN=Berth Test CA"],
        ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "\(directory)/server.key",
         "-out", "\(directory)/server.csr", "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", "\(directory)/server.csr", "-CA", "\(caDirectory)/ca.crt", "-CAkey", "\(directory)/ca.key",
         "-CAcreateserial", "-out", "\(directory)/server.crt", "-days", "1", "-extfile", "\(directory)/san.cnf"],
    ]
    try Data("subjectAltName=IP:127.0.0.1\n".utf8).write(to: URL(fileURLWithPath: "\(directory)/san.cnf"))
    for step in steps {
        let result = try await run("openssl", step)
        guard result.status == 0 else { throw OCILayout.LayoutError(message: result.stderr) }
    }
    return (caDirectory, "\(directory)/server.crt", "\(directory)/server.key")
}
