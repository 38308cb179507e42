import BerthTestSupport
import Foundation

/// An ECDSA P-256 key pair made with the openssl command, signing the way cosign and Notation do.
public struct TestSigner: Sendable {
    public let directory: String
    public var privateKey: String { "\(directory)/key.pem" }
    public let publicKeyPEM: String

    public init() throws {
        directory = NSTemporaryDirectory() + "berth-keys-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Self.openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "\(directory)/key.pem"])
        try Self.openssl(["ec", "-in", "\(directory)/key.pem", "-pubout", "-out", "\(directory)/pub.pem"])
        publicKeyPEM = try String(contentsOfFile: "\(directory)/pub.pem", encoding: .utf8)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// DER ECDSA signature over SHA-256 of `message` (what cosign writes, base64, in its annotation).
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        let input = "\(directory)/message-\(UUID().uuidString)"
        try Data(message).write(to: URL(fileURLWithPath: input))
        try Self.openssl(["dgst", "-sha256", "-sign", privateKey, "-out", "\(input).sig", input])
        return Array(try Data(contentsOf: URL(fileURLWithPath: "\(input).sig")))
    }

    /// DER ECDSA signature over an already computed SHA-256 digest.
    public func sign(digest: [UInt8]) throws -> [UInt8] {
        let input = "\(directory)/digest-\(UUID().uuidString)"
        try Data(digest).write(to: URL(fileURLWithPath: input))
        try Self.openssl(["pkeyutl", "-sign", "-inkey", privateKey, "-in", input, "-out", "\(input).sig"])
        return Array(try Data(contentsOf: URL(fileURLWithPath: "\(input).sig")))
    }

    /// JOSE's raw `r ‖ s` form of a DER ECDSA signature.
    public static func rawFromDER(_ der: [UInt8]) -> [UInt8] {
        // SEQUENCE { INTEGER r, INTEGER s }; integers may carry a leading zero or be short.
        var index = 2
        func integer() -> [UInt8] {
            let length = Int(der[index + 1])
            let value = Array(der[(index + 2)..<(index + 2 + length)])
            index += 2 + length
            let trimmed = Array(value.drop { $0 == 0 })
            return [UInt8](repeating: 0, count: 32 - trimmed.count) + trimmed
        }
        return integer() + integer()
    }

    @discardableResult
    public static func openssl(_ arguments: [String]) throws -> String {
        let result = try ChildProcess.run("openssl", arguments)
        guard result.status == 0 else { throw OpenSSLFailed(message: result.stderr) }
        return ""
    }

    public struct OpenSSLFailed: Error { public let message: String }
}

