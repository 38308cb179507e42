import BerthModel

/// Where a page of referrers resumes: right after one referrer, in the index's order
/// (artifact type, then digest). Pages that resume from a cursor cost O(page), not O(referrers),
/// and a cursor stays valid when the referrer it names is deleted in between.
public enum ReferrerCursor: Sendable, Equatable {
    /// After the referrer `digest` listed under `artifactType` (nil: listed without one), as a
    /// previous page returned it: a seek, whether or not that referrer still exists.
    case after(Digest, artifactType: MediaType?)
    /// After the referrer `digest`, wherever it is listed (a cursor a client made up): found
    /// by a scan of the subject's referrers; from the start if it is not there.
    case afterDigest(Digest)
}
