import BerthEngine
import BerthModel
import Foundation
import HTTPTypes
import Hummingbird

extension AdminRoutes {
    /// `trust` (every GUN) and `trust/<gun…>` (one; `DELETE` removes its trust data), for system
    /// administrators; nil when the path is not under `trust`.
    func trustRequest(_ request: Request, _ parts: [String]) async throws -> Response? {
        guard parts.first == "trust" else { return nil }
        let actor = try await authorizeAdministrator(request)
        let gun = parts.dropFirst().joined(separator: "/")
        switch (request.method, gun.isEmpty) {
        case (.get, true): return json(try administration.trustRepositories())
        case (.get, false): return json(try administration.trustRepository(gun))
        case (.delete, false): return json(try await administration.deleteTrust(gun, by: .caller(actor)))
        default: throw OCIError.notFound
        }
    }
}
