import BerthModel

/// Reads committed content.
public protocol BlobProvider: Sendable {
    /// The reader type this store provides.
    associatedtype Reader: BlobReader
    /// Opens a committed blob; throws `RegistryError.blobUnknown` when absent.
    func openReader(_ digest: Digest) throws -> Reader
}
