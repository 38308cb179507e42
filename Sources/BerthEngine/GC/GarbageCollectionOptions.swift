/// What to collect.
public struct GarbageCollectionOptions: Sendable {
    /// Report what would go, change nothing.
    public var dryRun: Bool
    /// Collect untagged manifests older than `untaggedGrace` (off by default: people deploy by digest).
    public var collectUntagged: Bool
    /// How old an untagged manifest must be before the untagged rule takes it.
    public var untaggedGrace: Duration
    /// How old an unreferenced blob (link or file) must be before it is deleted.
    public var blobGrace: Duration

    /// Options with the defaults: untagged rule off, 24 h untagged grace, 1 h blob grace.
    public init(dryRun: Bool = false, collectUntagged: Bool = false,
                untaggedGrace: Duration = .seconds(86_400), blobGrace: Duration = .seconds(3600)) {
        self.dryRun = dryRun
        self.collectUntagged = collectUntagged
        self.untaggedGrace = untaggedGrace
        self.blobGrace = blobGrace
    }
}
