import CXCrypt
import Foundation

/// bcrypt password hashes through libxcrypt (`crypt_r` with `$2b$` settings).
///
/// The only type that touches libxcrypt. Hashes look like `$2b$10$<22 salt chars><31 hash chars>`
/// and carry their own salt and cost, so verifying needs nothing else.
public enum PasswordHasher {
    /// The bcrypt cost used for new hashes: 2^cost rounds (10 ≈ tens of milliseconds here).
    public static let defaultCost = 10

    /// A new bcrypt hash of `password` with a fresh random salt.
    public static func hash(_ password: String, cost: Int = defaultCost) throws(PasswordHashError) -> String {
        var random = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in random.indices { random[index] = UInt8.random(in: .min ... .max, using: &generator) }
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        let made = random.withUnsafeBufferPointer { randomBytes in
            crypt_gensalt_rn("$2b$", UInt(cost), randomBytes.baseAddress, Int32(randomBytes.count), &setting, Int32(setting.count))
        }
        guard made != nil else { throw .failed("crypt_gensalt_rn refused cost \(cost)") }
        let settingText = String(cString: setting)
        guard let hashed = crypt(password, settingText), hashed.hasPrefix("$2b$") else { throw .failed("crypt_r failed") }
        return hashed
    }

    /// A hash of a random password nobody knows, at the default cost. Checking a password
    /// against it costs what checking a real account's does: callers use it for names that
    /// have no account, so the time of an answer does not tell which names exist.
    public static let decoyHash: String = {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<4).map { _ in String(generator.next(), radix: 16) }.joined()
        // Hashing fails only if libxcrypt lacks bcrypt, and then so does every check: any
        // string that matches nothing will do.
        return (try? hash(secret)) ?? "*"
    }()

    /// Whether `password` matches `hash`, compared in constant time. A password with a NUL
    /// never matches (bcrypt would stop reading at it).
    public static func verify(_ password: String, hash: String) -> Bool {
        guard hash.hasPrefix("$2"), !password.utf8.contains(0), let computed = crypt(password, hash) else { return false }
        return ConstantTime.equals(Array(computed.utf8), Array(hash.utf8))
    }

    /// `crypt_r` with its own scratch area, so concurrent calls do not share state.
    private static func crypt(_ password: String, _ setting: String) -> String? {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(password, setting, data) else { return nil }
        let text = String(cString: result)
        // libxcrypt signals failure with a string starting with "*".
        return text.hasPrefix("*") ? nil : text
    }
}

/// Why a password could not be hashed.
public enum PasswordHashError: Error, Sendable, Equatable, CustomStringConvertible {
    case failed(String)
    public var description: String {
        switch self {
        case .failed(let reason): "password hashing failed: \(reason)"
        }
    }
}
