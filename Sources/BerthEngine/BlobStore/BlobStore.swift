// The blob store is content addressed and follows containerd's content store lifecycle, with
// the lifecycle on the interface:
//
//   ingest   – a writer (`BlobWriter`) receives a body in order and hashes it as it arrives;
//              its status is its offset; upload sessions keep a durable partial between bodies;
//   commit   – the writer's digest and size are checked against what the client declared, the
//              bytes are made durable and moved under their digest, atomically (or `abort`);
//   provide  – committed content is read by digest, by byte range, and never changes.
//
// A blob only becomes visible at commit, so a wrong digest or size, a crash or a cancelled
// upload leaves nothing behind under any digest. The index (not the store) decides which
// repository may read which blob; the store knows nothing of repositories, and decides no
// rule: limits on what a client may send are the registry's (`LimitedBody`).
//
// Small role protocols, composed: the HTTP layer needs a provider, uploads an ingester, GC a
// manager. `Registry` is generic over the composition, so it is specialised for the store it
// is opened with; a second implementation (an S3-compatible store) implements the same five.
// Every method may block: the registry calls them on its I/O threads, except `append`, which
// is asynchronous and schedules its own blocking work.

/// A complete blob store: the roles together (the fifth, usage, feeds the engine's figures).
public typealias BlobStore = BlobIngester & BlobProvider & BlobInfoProvider & BlobManager & BlobUsageReporting
