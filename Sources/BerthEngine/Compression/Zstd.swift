import CZstd

/// zstd compression of the engine's own stored documents (manifest bytes at rest, exports).
///
/// The only type that touches libzstd. Never used for blobs that clients fetch by digest.
enum Zstd {
    /// Compresses `input` at `level` into one zstd frame that records its content size.
    static func compress(_ input: some ContiguousBytesCollection, level: Int32 = 3) throws(ZstdError) -> [UInt8] {
        let outcome: Result<[UInt8], ZstdError> = input.withContiguousBytes { source in
            let bound = ZSTD_compressBound(source.count)
            var output = [UInt8](repeating: 0, count: bound)
            let written = output.withUnsafeMutableBytes { dest in
                ZSTD_compress(dest.baseAddress, dest.count, source.baseAddress, source.count, level)
            }
            if ZSTD_isError(written) != 0 { return .failure(.failed(Self.errorName(written))) }
            output.removeSubrange(written...)
            return .success(output)
        }
        return try outcome.get()
    }

    /// Decompresses one frame made by `compress`.
    /// - Parameter limit: the largest content size accepted; a frame claiming more is refused
    ///   before anything is allocated, so corrupt data cannot make the engine allocate wildly.
    static func decompress(_ input: some ContiguousBytesCollection, limit: Int) throws(ZstdError) -> [UInt8] {
        let outcome: Result<[UInt8], ZstdError> = input.withContiguousBytes { source in
            let declared = ZSTD_getFrameContentSize(source.baseAddress, source.count)
            // ZSTD_CONTENTSIZE_UNKNOWN is (0ULL - 1) and ZSTD_CONTENTSIZE_ERROR is (0ULL - 2):
            // macros Swift cannot import, so they are spelled out here.
            guard declared != UInt64.max, declared != UInt64.max - 1 else { return .failure(.corrupt("no content size in frame")) }
            guard declared <= UInt64(limit) else { return .failure(.corrupt("frame declares \(declared) bytes, limit \(limit)")) }
            var output = [UInt8](repeating: 0, count: Int(declared))
            let written = output.withUnsafeMutableBytes { dest in
                ZSTD_decompress(dest.baseAddress, dest.count, source.baseAddress, source.count)
            }
            if ZSTD_isError(written) != 0 { return .failure(.corrupt(Self.errorName(written))) }
            guard written == Int(declared) else { return .failure(.corrupt("frame size mismatch")) }
            return .success(output)
        }
        return try outcome.get()
    }

    private static func errorName(_ code: Int) -> String {
        guard let name = ZSTD_getErrorName(code) else { return "zstd error \(code)" }
        return String(cString: name)
    }
}

/// Why zstd could not compress or decompress.
enum ZstdError: Error, Sendable, Equatable, CustomStringConvertible {
    case failed(String)
    case corrupt(String)

    var description: String {
        switch self {
        case .failed(let reason): "zstd compression failed: \(reason)"
        case .corrupt(let reason): "zstd data corrupt: \(reason)"
        }
    }
}
