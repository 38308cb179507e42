/// One version of a TUF role file of a GUN, as the client (or the server, for timestamps) sent it.
public struct TrustFile: Sendable, Hashable {
    /// The role's version inside the file.
    public let version: Int64
    /// The exact bytes (what snapshots and timestamps pin, and what clients fetch).
    public let bytes: [UInt8]

    /// A file from its parts.
    public init(version: Int64, bytes: [UInt8]) {
        self.version = version
        self.bytes = bytes
    }
}
