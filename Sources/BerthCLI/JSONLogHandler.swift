import Foundation
import Logging
import Synchronization

/// `berth serve --log-format json`: one JSON object per line on standard error, for log
/// shippers. Each line has `time` (UTC, RFC 3339 with milliseconds), `level`, `logger` (the
/// logger's label), `message`, then the metadata's keys at the top level (a key that collides
/// with one of those four is written with a `meta_` prefix). Metadata values keep their shape:
/// integers, floating-point numbers and booleans given as `.stringConvertible` are JSON
/// numbers and booleans, dictionaries objects, arrays arrays, anything else a string.
struct JSONLogHandler: LogHandler {
    /// The logger's label, written as `logger`.
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let output: JSONLogOutput

    /// A handler for the logger `label`, writing to standard error.
    init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.output = JSONLogOutput.standardError
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        output.write(Self.line(time: Date(), level: event.level, label: label, message: event.message.description,
                               metadata: lineMetadata(for: event)))
    }

    /// The JSON line (with its newline) of one event.
    static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata) -> String {
        var out = "{\"time\":\""
        out += timestamp(time)
        out += "\",\"level\":"
        appendString(level.rawValue, to: &out)
        out += ",\"logger\":"
        appendString(label, to: &out)
        out += ",\"message\":"
        appendString(message, to: &out)
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            out += ","
            appendString(reserved.contains(key) ? "meta_\(key)" : key, to: &out)
            out += ":"
            append(value, to: &out)
        }
        out += "}\n"
        return out
    }

    private static let reserved: Set<String> = ["time", "level", "logger", "message"]

    private static func append(_ value: Logger.Metadata.Value, to out: inout String) {
        switch value {
        case .string(let text):
            appendString(text, to: &out)
        case .stringConvertible(let convertible):
            switch convertible {
            case let flag as Bool: out += flag ? "true" : "false"
            case let number as any BinaryInteger: out += String(describing: number)
            case let number as Double where number.isFinite: out += String(number)
            case let number as Float where number.isFinite: out += String(number)
            default: appendString(convertible.description, to: &out)
            }
        case .dictionary(let dictionary):
            out += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                guard let inner = dictionary[key] else { continue }
                if index > 0 { out += "," }
                appendString(key, to: &out)
                out += ":"
                append(inner, to: &out)
            }
            out += "}"
        case .array(let array):
            out += "["
            for (index, inner) in array.enumerated() {
                if index > 0 { out += "," }
                append(inner, to: &out)
            }
            out += "]"
        }
    }

    /// `text` as a JSON string (RFC 8259: quote, backslash and control characters escaped).
    private static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u00"
                out += String(scalar.value >> 4, radix: 16)
                out += String(scalar.value & 0xF, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// `2026-12-02T10:23:39.123Z`.
    static func timestamp(_ date: Date) -> String {
        // To the nearest millisecond: a Date's Double cannot hold .123 exactly.
        let total = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(total / 1000)
        let milliseconds = Int(total % 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis)Z"
    }
}

/// Where JSON lines go: one `write` per line, under a lock, so lines of concurrent loggers
/// never interleave (a pipe only guarantees that up to 4 KiB).
final class JSONLogOutput: Sendable {
    /// Standard error, shared by every handler.
    static let standardError = JSONLogOutput(descriptor: 2)

    private let descriptor: Mutex<Int32>

    private init(descriptor: Int32) { self.descriptor = Mutex(descriptor) }

    func write(_ line: String) {
        var line = line
        descriptor.withLock { fd in
            line.withUTF8 { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Glibc.write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
            }
        }
    }
}
