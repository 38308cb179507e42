/// A JSON number that must be an integer in `Int64`'s range.
///
/// Foundation's JSONDecoder reports a fraction or an out-of-range integer decoded as `Int64`
/// with an internal error that carries no path; decoding through this type turns every such
/// case into a `ManifestProblem` at the right path with a reason a client can act on.
/// Integral values written with a fraction or exponent (`2.0`, `1e3`) are refused: Go's
/// encoding/json refuses them for integer fields, so a document holding them would be one that
/// Go clients cannot read. JSONDecoder cannot tell `2.0` from `2`; `JSONSyntax` can, and hands the
/// paths of such numbers to the decoder under `fractionalNumbersKey`.
struct JSONInteger: Decodable, Sendable {
    /// The integer.
    let value: Int64

    /// The decoder's user-info key for the `Set<String>` of paths of numbers written with a
    /// fraction or exponent (see `JSONSyntax.Findings`).
    static let fractionalNumbersKey: CodingUserInfoKey = {
        guard let key = CodingUserInfoKey(rawValue: "berth.fractionalNumbers") else { preconditionFailure("invalid user-info key") }
        return key
    }()

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self) {
            if let written = decoder.userInfo[Self.fractionalNumbersKey] as? Set<String>,
               written.contains(ManifestProblem.render(container.codingPath)) {
                throw ManifestProblem(container.codingPath, "expected an integer, found a number with a fraction or exponent")
            }
            self.value = value
            return
        }
        // Booleans are checked before doubles so `true` can never pass as 1.
        let found: String
        if container.decodeNil() {
            found = "expected an integer, found null"
        } else if (try? container.decode(Bool.self)) != nil {
            found = "expected an integer, found a boolean"
        } else if (try? container.decode(String.self)) != nil {
            found = "expected an integer, found a string"
        } else if let number = try? container.decode(Double.self) {
            found = number.rounded(.towardZero) == number ? "integer out of range" : "expected an integer, found a fraction"
        } else {
            found = "expected an integer"
        }
        throw ManifestProblem(container.codingPath, found)
    }
}
