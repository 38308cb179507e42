import BerthModel

/// The subject at the top of an accessory chain (a signature of an SBOM of an image: the
/// image), followed through the first subject of each accessory, a cycle ending the walk.
/// Written once for the outbox (inside a write transaction) and for event replication (on
/// reads of the index).
enum AccessoryChain {
    /// The top of `digest`'s chain (itself when it is no accessory); `subject` gives the first
    /// subject an accessory is linked to, or nil.
    static func top(of digest: Digest, subject: (Digest) throws -> Digest?) rethrows -> Digest {
        var current = digest
        var seen: Set<Digest> = [digest]
        while let up = try subject(current), seen.insert(up).inserted { current = up }
        return current
    }
}
