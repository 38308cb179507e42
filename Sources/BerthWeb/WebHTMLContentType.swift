import Mustache

/// HTML escaping for the templates: the same five characters as the renderer's own HTML
/// content type (`<`, `>`, `&`, `"`, `'`), on UTF-8 bytes with a fast path for text that holds
/// none of them (digests, paths, sizes: nearly everything a page shows), which is returned as
/// it is. The renderer's own escaper walks grapheme clusters and was a third of a page's cost.
struct WebHTMLContentType: MustacheContentType {
    /// The name templates select it by (`{{% CONTENT_TYPE: BERTH_HTML }}`).
    static let name = "BERTH_HTML"

    func escapeText(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String in
            guard bytes.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) else {
                return String(decoding: bytes, as: UTF8.self)
            }
            var escaped: [UInt8] = []
            escaped.reserveCapacity(bytes.count + 16)
            for byte in bytes {
                switch byte {
                case 0x3C: escaped.append(contentsOf: "&lt;".utf8)
                case 0x3E: escaped.append(contentsOf: "&gt;".utf8)
                case 0x26: escaped.append(contentsOf: "&amp;".utf8)
                case 0x22: escaped.append(contentsOf: "&quot;".utf8)
                case 0x27: escaped.append(contentsOf: "&#39;".utf8)
                default: escaped.append(byte)
                }
            }
            return String(decoding: escaped, as: UTF8.self)
        }
    }
}
