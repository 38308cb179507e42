/// Why part of a pushed manifest is invalid: the JSON path of the field and the reason.
///
/// Thrown from the `Decodable` initialisers of the manifest document so that checks made while
/// decoding keep the field's path; `Manifest(parsing:contentType:)` turns it, and every
/// `DecodingError`, into `ValidationError.invalidManifest` with `reason(for:)`.
struct ManifestProblem: Error, Sendable {
    /// Where, e.g. `layers[2].digest`.
    let path: String
    /// What is wrong.
    let reason: String

    /// A problem at a decoder's coding path.
    init(_ codingPath: [any CodingKey], _ reason: String) {
        self.path = Self.render(codingPath)
        self.reason = reason
    }

    /// `path: reason`, the text of `ValidationError.invalidManifest`.
    var description: String { "\(path): \(reason)" }

    /// A path-like reason for any error out of decoding, e.g. `layers[1].size: expected an integer`.
    /// - Parameter field: the top-level field being decoded, to name errors that carry no path.
    static func reason(for error: any Error, field: String? = nil) -> String {
        switch error {
        case let problem as ManifestProblem:
            return problem.description
        case let error as DecodingError:
            switch error {
            case .typeMismatch(let type, let context):
                return "\(render(context.codingPath)): expected \(describe(type))"
            case .valueNotFound(let type, let context):
                return "\(render(context.codingPath)): expected \(describe(type)), found null"
            case .keyNotFound(let key, let context):
                return "\(render(context.codingPath + [key])): missing"
            case .dataCorrupted(let context):
                return context.codingPath.isEmpty ? "not valid JSON" : "\(render(context.codingPath)): \(context.debugDescription)"
            @unknown default:
                return "\(field ?? "document"): invalid"
            }
        default:
            // Foundation's own errors (e.g. a number JSONDecoder cannot represent) carry no path.
            return field.map { "\($0): invalid value" } ?? "not valid JSON"
        }
    }

    /// `layers[1].annotations["org.example.key"]`; `document` for the root.
    static func render(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            // Array positions come as keys whose string is not their integer ("Index 1");
            // an object key "1" has both spellings equal and stays a key.
            if let index = key.intValue, key.stringValue != String(index) {
                text += "[\(index)]"
            } else if isIdentifier(key.stringValue) {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            } else {
                text += "[\(ValidationError.quote(key.stringValue))]"
            }
        }
        return text.isEmpty ? "document" : text
    }

    private static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        if type == String.self { return "a string" }
        if type == Bool.self { return "a boolean" }
        if type == Int64.self || type == Int.self || type == JSONInteger.self { return "an integer" }
        let name = String(describing: type)
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") || type == ManifestDocument.self || type == PushedDescriptor.self || type == Platform.self {
            return "an object"
        }
        return "a value of another type"
    }
}
