/// Comparisons of secrets whose time does not depend on where they differ.
public enum ConstantTime {
    /// Whether `a` and `b` are equal, looking at every byte (only their lengths show).
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Whether two secrets of any length are equal: their SHA-256 digests are compared, so not
    /// even the length shows.
    public static func sameSecret(_ a: String, _ b: String) -> Bool {
        guard let x = try? ContentHasher.digest(of: Array(a.utf8)).rawBytes,
              let y = try? ContentHasher.digest(of: Array(b.utf8)).rawBytes else { return false }
        return equals(x, y)
    }
}
