import BerthModel
import Foundation

/// A committed blob file open for reading. Content never changes once committed, so reads by
/// range need no lock; the descriptor closes when the reader is released.
public final class FileBlobReader: BlobReader, Sendable {
    /// The blob file (for zero-copy paths such as `sendfile` in the HTTP layer).
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

    /// Reads up to `count` bytes at `offset` into a new array.
    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        let length = Int(max(0, min(Int64(count), size - offset)))
        return try [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            initialized = try read(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
        }
    }
}
