/// Tells how many blobs and bytes the store holds, for the engine's figures.
public protocol BlobUsageReporting: Sendable {
    /// Measures the store once, then keeps the figure current: `report` is called with the
    /// totals when the measurement ends, then with new totals after every commit that stores a
    /// new blob or replaces one of another size and every delete, in order. A change made while
    /// the measurement runs is counted exactly once. Blocking (it walks the store): call it on
    /// an I/O thread, once per store.
    func trackUsage(_ report: @escaping @Sendable (BlobUsage) -> Void) throws

    /// Ends the tracking: no report follows, and a measurement in progress returns soon,
    /// reporting nothing. For the engine's `close`.
    func stopTrackingUsage()
}
