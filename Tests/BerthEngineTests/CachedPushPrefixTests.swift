import BerthModel
import Foundation
import Testing
@testable import BerthEngine

/// The cached prefix of a push: the first bytes of a blob are written through the page cache
/// (its first pull reads memory), the rest with O_DIRECT (nothing cached). Checked with
/// `mincore` on the committed blob file, on the real file system of the test's data root.
@Suite struct CachedPushPrefixTests {
    /// The pages of `path` in the page cache, one flag per 4 KiB page.
    private func residentPages(_ path: String) throws -> [Bool] {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var info = stat()
        try #require(fstat(fd, &info) == 0)
        let size = Int(info.st_size)
        let map = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
        try #require(map != MAP_FAILED)
        defer { munmap(map, size) }
        let pages = (size + 4095) / 4096
        var flags = [UInt8](repeating: 0, count: pages)
        try #require(mincore(map, size, &flags) == 0)
        return flags.map { $0 & 1 == 1 }
    }

    /// Pushes `content` monolithically and returns the resident pages of its blob file.
    private func pushAndLook(_ content: [UInt8], configure: @escaping (inout RegistryConfiguration) -> Void) async throws -> [Bool]? {
        try await withRegistry(configure: configure) { registry, _ in
            _ = try await registry.pushBlob(to: repo("cache"), digest: sha256(content), bytes: content)
            let path = registry.layout.blobFile(sha256(content))
            // Only where the file system has direct I/O do the two halves differ.
            guard let probe = POSIXFile.openDirectWriter(path) else { return nil }
            close(probe)
            return try residentPages(path)
        }
    }

    @Test func aBlobWithinThePrefixIsInThePageCacheOnceCommitted() async throws {
        let content = pseudoRandomBytes(6 << 20, seed: 91)
        guard let pages = try await pushAndLook(content, configure: { _ in }) else { return }
        #expect(pages.allSatisfy { $0 }, "\(pages.filter { !$0 }.count) of \(pages.count) pages not cached")
    }

    @Test func theBytesPastThePrefixAreWrittenDirectlyAndNotCached() async throws {
        let content = pseudoRandomBytes(8 << 20, seed: 92)
        let prefix = 2 << 20
        guard let pages = try await pushAndLook(content, configure: {
            $0.writeBufferSize = 1 << 20
            $0.cachedPushPrefix = CachedPushPrefix(maximumBytesPerBlob: Int64(prefix), memoryShare: 1)
        }) else { return }
        let cut = prefix / 4096
        #expect(pages[..<cut].allSatisfy { $0 }, "the prefix is not all cached")
        // Direct writes leave nothing behind; allow a page or two of readahead at the border.
        #expect(pages[(cut + 16)...].allSatisfy { !$0 }, "bytes past the prefix are cached")
    }

    @Test func noPrefixWritesEveryAlignedBufferDirectly() async throws {
        let content = pseudoRandomBytes(4 << 20, seed: 93)
        guard let pages = try await pushAndLook(content, configure: {
            $0.writeBufferSize = 1 << 20
            $0.cachedPushPrefix = .none
        }) else { return }
        #expect(pages.filter { $0 }.count <= 16, "\(pages.filter { $0 }.count) pages cached")
    }

    @Test func thePrefixStaysWithinTheShareOfAvailableMemory() {
        let policy = CachedPushPrefix(maximumBytesPerBlob: 1 << 30, memoryShare: 4)
        #expect(policy.end(available: 1 << 30) == 256 << 20)
        #expect(policy.end(available: 16 << 30) == 1 << 30)
        #expect(policy.end(available: nil) == 1 << 30)
    }

    @Test func availableMemoryIsReadFromMeminfosMemAvailableLine() {
        let text = "MemTotal:       24580000 kB\nMemFree:         1000 kB\nMemAvailable:   2048 kB\n"
        let parsed = AvailableMemory.parse(Array(text.utf8))
        #expect(parsed == Int64(2048 * 1024))
        #expect(AvailableMemory.parse(Array("MemTotal: 1 kB\n".utf8)) == nil)
    }
}
