import BerthModel
import Foundation

/// Typed access-control records over the index's opaque ones.
extension AccessControl {
    func record<T: Decodable>(_ kind: String, _ key: String) throws(RegistryError) -> T? {
        guard let data = try RegistryError.wrapping({ try index.accessRecord(kind, key) }) else { return nil }
        return try RegistryError.wrapping { try JSONDecoder().decode(T.self, from: Data(data)) }
    }

    func records<T: Decodable>(_ kind: String, prefix: String) throws(RegistryError) -> [T] {
        let decoder = JSONDecoder()
        return try RegistryError.wrapping { try index.accessRecords(kind, prefix: prefix).map { try decoder.decode(T.self, from: Data($0.value)) } }
    }

    func store(_ kind: String, _ key: String, _ value: some Encodable) async throws(RegistryError) {
        let data = try RegistryError.wrapping { try JSONEncoder().encode(value) }
        _ = try await RegistryError.wrapping { try await index.setAccessRecord(kind, key, Array(data)) }
    }

    static func isUsableAccountName(_ name: String) -> Bool {
        (1...64).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-$@".contains($0)) }
    }
}
