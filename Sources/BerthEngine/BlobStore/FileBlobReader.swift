import BerthModel
import Foundation

/// A committed blob file open for reading. Content never changes once committed, so reads by
/// range need no lock; the descriptor closes when the reader is released.
public final class FileBlobReader: BlobReader, Sendable {
    /// The blob file.
    public let path: String
    /// The blob's length.
    public let size: Int64
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        self.fd = try POSIXFile.open(path, O_RDONLY)
        do {
            guard try POSIXFile.isRegularFile(fd, path: path) else { throw IOError("open (not a regular file)", path, EISDIR) }
            self.size = try POSIXFile.size(fd, path: path)
        } catch {
            Foundation.close(fd)
            throw error
        }
    }

    deinit { Foundation.close(fd) }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        try POSIXFile.read(fd, into: buffer, at: offset, path: path)
    }

    /// The blob file itself: zero-copy paths (`sendfile`) may send it as it is.
    public var backingFile: String? { path }
}
