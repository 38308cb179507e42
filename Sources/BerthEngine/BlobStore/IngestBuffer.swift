import Foundation

/// A page-aligned byte buffer that a request body is gathered into before one disk write.
///
/// Aligned, and written when full (its capacity a multiple of the alignment), so that the write
/// can bypass the page cache (`O_DIRECT`): the disk then reads the bytes straight from here,
/// with no copy into the page cache and no writeback left for the commit's `fsync`.
///
/// The storage is its own anonymous mapping, returned to the system when the buffer goes: a
/// few megabytes from `malloc` would stay in the allocator's arenas (and in the resident set)
/// after the push that needed them. Buffers are reused through an `IngestBufferPool`.
///
/// One owner at a time: the task filling it, then the append that writes and hashes it, then
/// back; never shared.
final class IngestBuffer: @unchecked Sendable {
    // @unchecked: ownership passes between tasks explicitly (see above), never shared.

    /// The alignment of the storage, of full lengths, and of the file offsets direct writes need.
    static let alignment = 4096

    /// Bytes the buffer holds when full.
    let capacity: Int
    /// Bytes held now.
    private(set) var count = 0
    /// Bytes at the start already handed to the hash (`takeUnhashed`).
    private(set) var hashedCount = 0
    /// Bytes at the start already handed to a disk write (`takeUnwritten`).
    private(set) var writtenCount = 0
    private let base: UnsafeMutableRawPointer
    /// Whether `base` is a mapping of its own (else heap memory, when mapping failed).
    private let mapped: Bool

    /// `capacity` rounded up to a multiple of the alignment (at least one).
    static func roundedCapacity(_ capacity: Int) -> Int {
        max(alignment, (capacity + alignment - 1) / alignment * alignment)
    }

    /// An empty buffer of `capacity` bytes, rounded up to a multiple of the alignment.
    init(capacity: Int) {
        let rounded = Self.roundedCapacity(capacity)
        self.capacity = rounded
        let mapping = mmap(nil, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        if let mapping, mapping != MAP_FAILED {
            self.base = mapping
            self.mapped = true
        } else {
            self.base = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: Self.alignment)
            self.mapped = false
        }
    }

    deinit {
        if mapped { munmap(base, capacity) } else { base.deallocate() }
    }

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

    /// The bytes held and not yet handed to the hash, now marked as handed. The range stays
    /// valid, and is not written again, until `reset`: later `append`s only write past it, so
    /// a hash may read it on another thread while the buffer goes on filling.
    func takeUnhashed() -> UnsafeRawBufferPointer {
        let range = UnsafeRawBufferPointer(start: base + hashedCount, count: count - hashedCount)
        hashedCount = count
        return range
    }

    /// Bytes held and not yet handed to the hash.
    var unhashedCount: Int { count - hashedCount }

    /// The bytes held and not yet handed to a disk write, now marked as handed, with where
    /// they start in the buffer. With `alignedOnly`, only a multiple of the alignment (so that
    /// the write can bypass the page cache): the rest waits for the next call. Stable until
    /// `reset`, as for `takeUnhashed`.
    func takeUnwritten(alignedOnly: Bool) -> (start: Int, bytes: UnsafeRawBufferPointer) {
        let end = alignedOnly ? writtenCount + (count - writtenCount) / Self.alignment * Self.alignment : count
        let taken = (start: writtenCount, bytes: UnsafeRawBufferPointer(start: base + writtenCount, count: end - writtenCount))
        writtenCount = end
        return taken
    }

    /// Bytes held and not yet handed to a disk write.
    var unwrittenCount: Int { count - writtenCount }

    /// Empties the buffer for reuse.
    func reset() {
        count = 0
        hashedCount = 0
        writtenCount = 0
    }
}
