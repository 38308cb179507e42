import BerthModel
import Foundation

/// How the interface writes values for people: sizes in decimal units (`12.4 MB`), times in
/// UTC (the script shows them in the reader's zone), digests shortened where a list shows them.
enum WebFormat {
    /// `0 B`, `512 B`, `12.4 kB`, `1.0 GB`: SI units, one decimal from a kilobyte up.
    static func size(_ bytes: Int64) -> String {
        guard bytes >= 1000 else { return "\(max(0, bytes)) B" }
        let units = ["kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes) / 1000
        var unit = 0
        while value >= 999.95, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return String(format: "%.1f %@", value, units[unit])
    }

    /// `2026-12-04T19:21:58Z`: what a `<time datetime>` carries.
    static func machineTime(_ date: Date) -> String {
        // Civil date from days since 1970 (Howard Hinnant's algorithm): no calendar object,
        // which cost more than the rest of a row.
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))Z"
    }

    /// `2026-12-04 19:21 UTC`: what a reader without the script sees.
    static func humanTime(_ date: Date) -> String {
        let machine = machineTime(date)
        return machine.prefix(10) + " " + machine.dropFirst(11).prefix(5) + " UTC"
    }

    /// The value of a `time` in a template: both forms.
    static func time(_ date: Date) -> [String: Any] {
        ["iso": machineTime(date), "text": humanTime(date)]
    }

    /// `sha256:0123456789ab`: the algorithm and the first 12 hex digits.
    static func shortDigest(_ digest: Digest) -> String {
        let text = digest.description
        guard let colon = text.firstIndex(of: ":") else { return text }
        return String(text[...colon]) + text[text.index(after: colon)...].prefix(12)
    }

    /// A path segment or query value with everything but unreserved characters escaped.
    static func escapePath(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A repository name in a path: its `/` kept (names are `a/b/c`), each segment escaped.
    static func repositoryPath(_ name: RepositoryName) -> String {
        "/repositories/" + name.value.split(separator: "/").map { escapePath(String($0)) }.joined(separator: "/")
    }

    /// The label of an accessory type.
    static func typeLabel(_ type: AccessoryType) -> String {
        switch type {
        case .cosignSignature: "cosign signature"
        case .notationSignature: "Notation signature"
        case .attestation: "attestation"
        case .sbom: "SBOM"
        case .generic: "other"
        }
    }

    /// A platform as `linux/arm64/v8`.
    static func platform(_ platform: Platform?) -> String {
        guard let platform else { return "unknown platform" }
        return [platform.os, platform.architecture, platform.variant].compactMap { $0 }.joined(separator: "/")
    }
}
