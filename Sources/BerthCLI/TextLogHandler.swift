import Logging

/// The text log format: swift-log's `StreamLogHandler` lines on standard error, with the
/// handler's metadata kept as given and rendered only when a line is written.
///
/// Why not `StreamLogHandler` itself: it renders its whole metadata into a string each time one
/// key is set, and the HTTP server sets a key on every request's logger (its request id), so
/// every request paid for rendering metadata that, below the `info` level, no line ever shows.
struct TextLogHandler: LogHandler {
    private var stream: StreamLogHandler
    /// The handler's own metadata, merged into each line.
    var metadata: Logger.Metadata = [:]
    /// Metadata read from the task (e.g. a trace id) for each line.
    var metadataProvider: Logger.MetadataProvider?

    /// A handler writing `label`'s lines to standard error.
    init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.stream = StreamLogHandler.standardError(label: label)
        self.metadataProvider = metadataProvider
    }

    /// The lowest level written.
    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = event
        line.metadata = lineMetadata(for: event)
        stream.log(event: line)
    }
}
