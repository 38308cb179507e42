/// Docker Content Trust's records: every version of every TUF role file of each GUN, the
/// current one per role found with one lookup, any version by number or by SHA-256. Written by
/// the primitive transaction (`putTrustFile`, `removeTrust`), one transaction per publish; what
/// may be stored is the engine's `TrustUpdateCheck`.
public protocol TrustRecordStore: Sendable {
    /// The current file of `role`, or nil.
    func trustFile(gun: String, role: String) throws -> TrustFile?
    /// The file of `role` at `version`, or nil.
    func trustFile(gun: String, role: String, version: Int64) throws -> TrustFile?
    /// The file of `role` whose SHA-256 is `sha256`, or nil.
    func trustFile(gun: String, role: String, sha256: [UInt8]) throws -> TrustFile?
    /// The current files of every role of a GUN.
    func trustFiles(gun: String) throws -> [String: TrustFile]
    /// Every GUN with trust data, in order.
    func trustNames() throws -> [String]
    /// The GUNs whose repository part (after the host) is `repository`.
    func trustNames(ofRepository repository: String) throws -> [String]
}
