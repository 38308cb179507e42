import Foundation

/// The parts of a `multipart/form-data` body (RFC 7578), as Notary's client posts TUF files:
/// one part per role, field `files`, the role as the file name.
struct MultipartForm {
    /// One part: its field name, its file name if any, its bytes.
    struct Part {
        let name: String
        let filename: String?
        let bytes: [UInt8]
    }

    /// Why a body is not a form.
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// The boundary of a `Content-Type: multipart/form-data; boundary=…`, or nil.
    static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces)
            if pair.lowercased().hasPrefix("boundary=") {
                let value = String(pair.dropFirst("boundary=".count))
                return value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? String(value.dropFirst().dropLast()) : value
            }
        }
        return nil
    }

    /// Splits `body` at `--boundary` lines; refuses a body without its closing delimiter.
    static func parts(_ body: [UInt8], boundary: String) throws(Malformed) -> [Part] {
        let delimiter = Array("--\(boundary)".utf8)
        var positions: [Int] = []
        var index = 0
        while let found = find(delimiter, in: body, from: index) {
            positions.append(found)
            index = found + delimiter.count
        }
        guard positions.count >= 2 else { throw Malformed(description: "the form has no parts") }
        let closing = positions[positions.count - 1] + delimiter.count
        guard closing + 2 <= body.count, body[closing] == UInt8(ascii: "-"), body[closing + 1] == UInt8(ascii: "-") else {
            throw Malformed(description: "the form does not end with its closing boundary")
        }
        var parts: [Part] = []
        for (start, end) in zip(positions, positions.dropFirst()) {
            var contentStart = start + delimiter.count
            // The delimiter line ends with CRLF; the part ends with the CRLF before the next one.
            guard contentStart + 2 <= end, body[contentStart] == 0x0D, body[contentStart + 1] == 0x0A else {
                throw Malformed(description: "a boundary line does not end with CRLF")
            }
            contentStart += 2
            guard let headersEnd = find(Array("\r\n\r\n".utf8), in: body, from: contentStart), headersEnd < end else {
                throw Malformed(description: "a part has no header block")
            }
            let headers = String(decoding: body[contentStart..<headersEnd], as: UTF8.self)
            var bodyEnd = end
            if bodyEnd >= 2, body[bodyEnd - 2] == 0x0D, body[bodyEnd - 1] == 0x0A { bodyEnd -= 2 }
            guard headersEnd + 4 <= bodyEnd else { throw Malformed(description: "a part ends inside its headers") }
            var name: String?
            var filename: String?
            for line in headers.components(separatedBy: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                name = parameter("name", in: line)
                filename = parameter("filename", in: line)
            }
            guard let name else { throw Malformed(description: "a part has no name") }
            parts.append(Part(name: name, filename: filename, bytes: Array(body[(headersEnd + 4)..<bodyEnd])))
        }
        return parts
    }

    private static func parameter(_ key: String, in line: String) -> String? {
        for piece in line.split(separator: ";").dropFirst() {
            let pair = piece.trimmingCharacters(in: .whitespaces)
            guard pair.lowercased().hasPrefix(key + "=") else { continue }
            let value = String(pair.dropFirst(key.count + 1))
            return value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 ? String(value.dropFirst().dropLast()) : value
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        let first = needle[0]
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
