extension DecodingError {
    /// What is wrong and where, as a path into the document: `layers[1].size: expected an
    /// integer`, `password: missing`, `not valid JSON`. The same words for manifests, admin
    /// request bodies and config files, and never the decoder's internals.
    public var pathDescription: String { ManifestProblem.reason(for: self) }
}
