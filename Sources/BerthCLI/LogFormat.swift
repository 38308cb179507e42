/// How `berth serve` writes its log lines.
enum LogFormat: String, Equatable, Sendable {
    /// swift-log's stream handler: `time level label: [metadata] message`.
    case text
    /// One JSON object per line (`JSONLogHandler`).
    case json
}
