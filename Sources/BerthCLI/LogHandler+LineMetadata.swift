import Logging

extension LogHandler {
    /// The metadata of one line: the handler's own, then its provider's, then the event's,
    /// later ones winning on the same key (swift-log's order).
    func lineMetadata(for event: LogEvent) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        return merged
    }
}
