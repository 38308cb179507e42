/// How much of each pushed blob is written through the page cache rather than with `O_DIRECT`,
/// so that its first pull — a rollout pulling what a build pushed seconds before — is served
/// from memory instead of the disk.
///
/// `O_DIRECT` costs less CPU per pushed byte (no copy into the page cache, no writeback left
/// for the commit's `fsync`) but leaves nothing cached: the first pull then reads the disk.
/// Reading the blob back into the cache after direct writes (`POSIX_FADV_WILLNEED`) was
/// measured and rejected: it cost as much push time as writing through the cache and its
/// pages were still slow on first touch (`Docs/design-decisions.md`). So the first
/// `maximumBytesPerBlob` bytes of a blob go through the page cache (their writeback started
/// every 8 MiB, so little is dirty at any time): all of a typical layer, config or signature.
/// What lies beyond is written directly: on the disks measured, a durable write through the
/// cache runs at a fifth of a direct one, so a larger default gave back the push rate of big
/// blobs (`Docs/design-decisions.md`).
///
/// The prefix also stays within `1 / memoryShare` of the memory the kernel reports available
/// (`MemAvailable`, read once per blob, when it grows past its first 8 MiB: small pushes never
/// pay for it, and those 8 MiB are cached whatever the memory), so a machine short of memory
/// writes directly instead of pushing out what is cached already.
public struct CachedPushPrefix: Sendable, Equatable {
    /// The most bytes of one blob written through the page cache (0: every aligned buffer
    /// is written with O_DIRECT).
    public var maximumBytesPerBlob: Int64
    /// The prefix stays within available memory divided by this (at least 1).
    public var memoryShare: Int64

    /// Up to 64 MiB of a blob, within a quarter of the available memory.
    public static let standard = CachedPushPrefix(maximumBytesPerBlob: 64 << 20, memoryShare: 4)
    /// No prefix: every full aligned buffer is written with O_DIRECT.
    public static let none = CachedPushPrefix(maximumBytesPerBlob: 0, memoryShare: 1)

    /// A policy caching at most `maximumBytesPerBlob` bytes of a blob, and only within
    /// `1 / memoryShare` of the available memory.
    public init(maximumBytesPerBlob: Int64, memoryShare: Int64) {
        self.maximumBytesPerBlob = max(0, maximumBytesPerBlob)
        self.memoryShare = max(1, memoryShare)
    }

    /// Where the cached prefix of a blob ends, given `available` bytes of available memory
    /// (nil: unknown, then only the per-blob bound holds).
    func end(available: Int64?) -> Int64 {
        guard let available else { return maximumBytesPerBlob }
        return min(maximumBytesPerBlob, available / memoryShare)
    }
}
