import CWriteback
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A failed system call on a path, with its errno.
public struct IOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The system call or step that failed, e.g. `"fsync"`.
    public let operation: String
    /// The file or directory it was applied to.
    public let path: String
    /// The errno value.
    public let code: Int32

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }

    init(_ operation: String, _ path: String, _ code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }
}

/// Thin, throwing wrappers over the POSIX calls the blob store needs. Every call retries on EINTR.
enum POSIXFile {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o640) throws(IOError) -> Int32 {
        while true {
            let fd = Foundation.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw IOError("open", path) }
        }
    }

    /// Writes all of `bytes` at `offset`.
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, path: String) throws(IOError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress.map { $0 + done }, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError("pwrite", path)
            }
            done += n
        }
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at end of file.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws(IOError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw IOError("pread", path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    static func fsync(_ fd: Int32, path: String) throws(IOError) {
        while Foundation.fsync(fd) != 0 {
            if errno != EINTR { throw IOError("fsync", path) }
        }
    }

    /// Opens `path` for writes that bypass the page cache (O_DIRECT), or nil where the platform
    /// or the file system has no direct I/O (tmpfs refuses it): callers then write as usual.
    static func openDirectWriter(_ path: String) -> Int32? {
        let flag = berth_open_direct_flag()
        guard flag != 0 else { return nil }
        let fd = Foundation.open(path, O_WRONLY | O_CLOEXEC | flag)
        return fd >= 0 ? fd : nil
    }

    /// Asks the kernel to start writing [offset, offset + length) to disk now, without waiting.
    /// Advisory: a later `fsync` is what makes the bytes durable; this only spreads the disk
    /// work over the ingest instead of leaving all of it to that `fsync`. Failures are ignored
    /// for the same reason.
    static func startWriteback(_ fd: Int32, from offset: Int64, length: Int64) {
        _ = berth_start_writeback(fd, offset, length)
    }

    /// Makes a directory's entries (a rename, a new file) durable.
    static func fsyncDirectory(_ path: String) throws(IOError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try fsync(fd, path: path)
    }

    static func size(_ fd: Int32, path: String) throws(IOError) -> Int64 {
        var info = Glibc.stat()
        guard fstat(fd, &info) == 0 else { throw IOError("fstat", path) }
        return Int64(info.st_size)
    }

    /// Whether the open descriptor is a regular file (not a directory, device or socket).
    static func isRegularFile(_ fd: Int32, path: String) throws(IOError) -> Bool {
        var info = Glibc.stat()
        guard fstat(fd, &info) == 0 else { throw IOError("fstat", path) }
        return (info.st_mode & S_IFMT) == S_IFREG
    }

    static func truncate(_ fd: Int32, to size: Int64, path: String) throws(IOError) {
        guard ftruncate(fd, off_t(size)) == 0 else { throw IOError("ftruncate", path) }
    }

    /// `stat` of a path, or nil when it does not exist.
    static func stat(_ path: String) throws(IOError) -> (size: Int64, modified: Date, isDirectory: Bool)? {
        var info = Glibc.stat()
        guard systemStat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw IOError("stat", path)
        }
        let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
        return (Int64(info.st_size), modified, (info.st_mode & S_IFMT) == S_IFDIR)
    }

    static func rename(_ from: String, _ to: String) throws(IOError) {
        guard Foundation.rename(from, to) == 0 else { throw IOError("rename to \(to)", from) }
    }

    /// Renames `from` to `to` unless `to` exists: returns false, changing nothing, when it
    /// does. Where the file system cannot refuse a replacement atomically (EINVAL), checks first
    /// and renames: two racing callers may then both see `to` missing.
    static func renameUnlessPresent(_ from: String, _ to: String) throws(IOError) -> Bool {
        if berth_rename_noreplace(from, to) == 0 { return true }
        switch errno {
        case EEXIST: return false
        case EINVAL, ENOSYS:
            if try stat(to) != nil { return false }
            try rename(from, to)
            return true
        default: throw IOError("rename to \(to)", from)
        }
    }

    /// Removes a file; a file already gone is not an error.
    static func unlink(_ path: String) throws(IOError) {
        guard Foundation.unlink(path) == 0 || errno == ENOENT else { throw IOError("unlink", path) }
    }

    /// Creates a directory; returns true if it was created, false if it already existed.
    @discardableResult
    static func makeDirectory(_ path: String) throws(IOError) -> Bool {
        if mkdir(path, 0o750) == 0 { return true }
        if errno == EEXIST { return false }
        throw IOError("mkdir", path)
    }

    /// The names in a directory (without "." and ".."); empty when it does not exist.
    static func list(_ path: String) throws(IOError) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw IOError("opendir", path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// `stat(2)`, at file scope where the name is not shadowed by `POSIXFile.stat`.
private func systemStat(_ path: String, _ info: inout Glibc.stat) -> Int32 {
    stat(path, &info)
}
