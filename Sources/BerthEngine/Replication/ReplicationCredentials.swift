import Foundation
import Synchronization

/// The secret of one endpoint: the password (or token) its `username` signs in with.
public struct ReplicationCredential: Sendable, Codable, Equatable {
    /// The account.
    public var username: String
    /// The password or access token.
    public var password: String

    /// A credential.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// The endpoints' secrets, kept apart from everything else: one JSON file,
/// `<root>/replication/credentials.json`, in an owner-only folder, created with mode 0600 and
/// replaced atomically (`OwnerOnlyFile`). Never written to the index (whose files are 0640),
/// never returned by the API or printed by the CLI.
public final class ReplicationCredentials: Sendable {
    /// The file.
    public let path: String
    private let entries: Mutex<[String: ReplicationCredential]>

    /// The credentials of a data root, read from its file (none when the file does not exist).
    public init(layout: DataRootLayout) throws(RegistryError) {
        path = layout.replicationCredentials
        do {
            if let bytes = try OwnerOnlyFile.read(path) {
                entries = Mutex(try JSONDecoder().decode([String: ReplicationCredential].self, from: Data(bytes)))
            } else {
                entries = Mutex([:])
            }
        } catch let error as IOError {
            throw .storage(error.description)
        } catch {
            throw .storage("\(path) is not a credentials document: \(error)")
        }
    }

    /// The secret of an endpoint, or nil.
    public func credential(for endpoint: String) -> ReplicationCredential? {
        entries.withLock { $0[endpoint] }
    }

    /// Sets (or with nil removes) an endpoint's secret, durable when this returns. The file is
    /// written outside the lock (readers never wait for its fsyncs); callers change secrets one
    /// at a time (`Replicator`'s settings gate), so writes never cross.
    public func set(_ credential: ReplicationCredential?, for endpoint: String) throws(RegistryError) {
        var changed = entries.withLock { $0 }
        changed[endpoint] = credential
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let bytes = Array(try encoder.encode(changed))
            try OwnerOnlyFile.ensureDirectory((path as NSString).deletingLastPathComponent)
            try OwnerOnlyFile.write(bytes, to: path)
        } catch let error as IOError {
            throw .storage(error.description)
        } catch {
            throw .storage("cannot encode the credentials: \(error)")
        }
        entries.withLock { $0 = changed }
    }
}
