/// Hands a non-`Sendable` object to the I/O threads. Safe only where the protocol guarantees a
/// single user at a time (one request owns an ingest; upload sessions hold a lease).
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
