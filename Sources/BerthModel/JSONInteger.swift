/// A JSON number that must be an integer in `Int64`'s range.
///
/// Foundation's JSONDecoder reports a fraction or an out-of-range integer decoded as `Int64`
/// with an internal error that carries no path; decoding through this type turns every such
/// case into a `ManifestProblem` at the right path with a reason a client can act on.
/// Integral values written with a fraction or exponent (`2.0`, `1e3`) are accepted, as the
/// number they denote is an integer.
struct JSONInteger: Decodable, Sendable {
    /// The integer.
    let value: Int64

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int64.self) {
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
