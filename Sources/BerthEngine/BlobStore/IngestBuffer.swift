/// A page-aligned byte buffer that a request body is gathered into before one disk write.
///
/// Aligned, and written when full (its capacity a multiple of the alignment), so that the write
/// can bypass the page cache (`O_DIRECT`): the disk then reads the bytes straight from here,
/// with no copy into the page cache and no writeback left for the commit's `fsync`.
///
/// One owner at a time: the task filling it, then the append that writes and hashes it, then
/// back (it is reused, so a push allocates two buffers whatever its size).
final class IngestBuffer: @unchecked Sendable {
    // @unchecked: ownership passes between tasks explicitly (see above), never shared.

    /// The alignment of the storage, of full lengths, and of the file offsets direct writes need.
    static let alignment = 4096

    /// Bytes the buffer holds when full.
    let capacity: Int
    /// Bytes held now.
    private(set) var count = 0
    private let base: UnsafeMutableRawPointer

    /// An empty buffer of `capacity` bytes, rounded up to a multiple of the alignment.
    init(capacity: Int) {
        let rounded = max(Self.alignment, (capacity + Self.alignment - 1) / Self.alignment * Self.alignment)
        self.capacity = rounded
        self.base = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: Self.alignment)
    }

    deinit { base.deallocate() }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == capacity }

    /// The bytes held.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Copies as much of `source` as fits; returns how many bytes were taken.
    func append(_ source: UnsafeRawBufferPointer) -> Int {
        let taken = min(source.count, capacity - count)
        if taken > 0, let from = source.baseAddress {
            (base + count).copyMemory(from: from, byteCount: taken)
            count += taken
        }
        return taken
    }

    /// Empties the buffer for reuse.
    func reset() { count = 0 }
}
