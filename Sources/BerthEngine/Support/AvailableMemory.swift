import Foundation

/// The memory the kernel estimates is available for new work without swapping (Linux's
/// `MemAvailable` in `/proc/meminfo`: free memory plus the page cache and slabs it can drop).
enum AvailableMemory {
    /// Bytes available now; nil where the system does not say (not Linux, or no such line).
    /// Reads one small procfs file: call it now and then, not per request.
    static func bytes() -> Int64? {
        let fd = Foundation.open("/proc/meminfo", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Foundation.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return parse(buffer[..<count])
    }

    /// The `MemAvailable:` value of a `/proc/meminfo` text, in bytes.
    static func parse(_ text: some Collection<UInt8>) -> Int64? {
        let string = String(decoding: text, as: UTF8.self)
        guard let line = string.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }) else { return nil }
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 2, let kib = Int64(fields[1]) else { return nil }
        let unit = fields.count >= 3 ? fields[2].lowercased() : "kb"
        guard unit == "kb" else { return nil }
        return kib * 1024
    }
}
