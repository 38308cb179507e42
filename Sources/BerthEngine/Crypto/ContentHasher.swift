import BerthModel
import CCrypto
import Foundation

/// A streaming hash over the bytes of one blob, computed by OpenSSL's libcrypto (EVP).
///
/// This is the only type that touches libcrypto: the EVP context never leaves it.
/// It is a reference type because the context is a C allocation with one owner; it is not
/// `Sendable` (one task feeds one hasher), which is what the ingest path needs.
///
/// Guarantees: `finish()` returns the digest of exactly the bytes passed to `update` in order;
/// after `finish()` the hasher may not be updated again (it throws).
public final class ContentHasher {
    /// The algorithm this hasher computes.
    public let algorithm: DigestAlgorithm
    private let context: OpaquePointer
    private var finished = false

    /// Creates a hasher for `algorithm`.
    /// - Throws: `ContentHasherError.unavailable` if libcrypto cannot set the digest up (it can
    ///   only fail when the library itself is broken or out of memory).
    public init(_ algorithm: DigestAlgorithm) throws(ContentHasherError) {
        guard let context = EVP_MD_CTX_new() else { throw .unavailable("EVP_MD_CTX_new failed") }
        let md: OpaquePointer? = switch algorithm {
        case .sha256: EVP_sha256()
        case .sha512: EVP_sha512()
        }
        guard EVP_DigestInit_ex(context, md, nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw .unavailable("EVP_DigestInit_ex failed for \(algorithm)")
        }
        self.algorithm = algorithm
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds `bytes` to the hash.
    public func update(_ bytes: UnsafeRawBufferPointer) throws(ContentHasherError) {
        guard !finished else { throw .alreadyFinished }
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        guard EVP_DigestUpdate(context, base, bytes.count) == 1 else { throw .unavailable("EVP_DigestUpdate failed") }
    }

    /// Feeds the bytes of any contiguous collection to the hash.
    public func update(_ bytes: some ContiguousBytesCollection) throws(ContentHasherError) {
        let result: ContentHasherError? = bytes.withContiguousBytes { raw in
            do throws(ContentHasherError) { try self.update(raw); return nil } catch { return error }
        }
        if let result { throw result }
    }

    /// Ends the hash and returns the digest of everything fed so far.
    public func finish() throws(ContentHasherError) -> Digest {
        guard !finished else { throw .alreadyFinished }
        finished = true
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        guard ok == 1, Int(length) == algorithm.byteCount else { throw .unavailable("EVP_DigestFinal_ex failed") }
        do {
            return try Digest(algorithm: algorithm, rawBytes: out.prefix(Int(length)))
        } catch {
            throw .unavailable("digest of unexpected length \(length)")
        }
    }

    /// Feeds bytes [0, length) of an open file to the hash, 1 MiB at a time (memory stays flat).
    func update(file fd: Int32, length: Int64, path: String) throws {
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        var position: Int64 = 0
        while position < length {
            let want = Int(min(Int64(chunk), length - position))
            let got = try POSIXFile.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want]), at: position, path: path)
            guard got > 0 else { throw IOError("file ended at \(position) of \(length) bytes while hashing", path, EIO) }
            try update(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
            position += Int64(got)
        }
    }

    /// The digest of a whole file.
    static func digest(ofFile path: String, using algorithm: DigestAlgorithm) throws -> Digest {
        let fd = try POSIXFile.open(path, O_RDONLY)
        defer { close(fd) }
        let hasher = try ContentHasher(algorithm)
        try hasher.update(file: fd, length: try POSIXFile.size(fd, path: path), path: path)
        return try hasher.finish()
    }

    /// The digest of `bytes` in one call.
    public static func digest(of bytes: some ContiguousBytesCollection, using algorithm: DigestAlgorithm = .sha256) throws(ContentHasherError) -> Digest {
        let hasher = try ContentHasher(algorithm)
        try hasher.update(bytes)
        return try hasher.finish()
    }
}

/// Why a hash could not be computed.
public enum ContentHasherError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libcrypto refused an operation (broken library or out of memory).
    case unavailable(String)
    /// `update` or `finish` was called after `finish`.
    case alreadyFinished

    public var description: String {
        switch self {
        case .unavailable(let reason): "libcrypto: \(reason)"
        case .alreadyFinished: "hash already finished"
        }
    }
}
