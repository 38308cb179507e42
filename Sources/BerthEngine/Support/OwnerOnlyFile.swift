import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Files of secrets (keys, passwords, replication credentials): readable by the server's
/// owner only, from their first byte, and replaced atomically.
public enum OwnerOnlyFile {
    /// Creates `path` as an owner-only directory (0700), or makes an existing one owner-only.
    public static func ensureDirectory(_ path: String) throws(IOError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST { throw IOError("mkdir", path) }
        guard chmod(path, 0o700) == 0 else { throw IOError("chmod", path) }
    }

    /// Writes `bytes` to `path` readable by its owner only: a temporary file created with mode
    /// 0600 (never a moment readable by others), written, fsynced, renamed over `path`, and the
    /// directory fsynced, so a crash leaves the old file or the new one, whole.
    public static func write(_ bytes: [UInt8], to path: String) throws(IOError) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw IOError("open", temporary) }
        do throws(IOError) {
            try bytes.withUnsafeBytes { raw in Result { () throws(IOError) in try POSIXFile.write(fd, raw, at: 0, path: temporary) } }.get()
            try POSIXFile.fsync(fd, path: temporary)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        try POSIXFile.rename(temporary, path)
        try POSIXFile.fsyncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// The file's bytes, or nil when it does not exist.
    public static func read(_ path: String) throws(IOError) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw IOError("open", path)
        }
        defer { close(fd) }
        let size = try POSIXFile.size(fd, path: path)
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let count = try bytes.withUnsafeMutableBytes { raw in Result { () throws(IOError) in try POSIXFile.read(fd, into: raw, at: 0, path: path) } }.get()
        return Array(bytes.prefix(count))
    }
}
