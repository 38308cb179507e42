import BerthEngine
import HTTPTypes

/// Why a page cannot be shown or an action was refused: a status and a message for the
/// person, shown on an error page (the interface answers HTML; the APIs keep their JSON).
struct WebProblem: Error, Sendable {
    let status: HTTPResponse.Status
    let heading: String
    let message: String

    static let notFound = WebProblem(status: .notFound, heading: "Not found", message: "There is nothing here, or you may not see it.")
    static let forbidden = WebProblem(status: .forbidden, heading: "Not allowed", message: "Your account may not do this.")
    static let internalError = WebProblem(status: .internalServerError, heading: "Server error",
                                          message: "The registry failed to do this; the server's log says why.")
    static let forgedForm = WebProblem(status: .forbidden, heading: "Refused",
                                       message: "This form did not come from a page of this registry, or your session has ended. Open the page again and retry.")

    /// The page for an engine error: what the person did wrong, or that the server failed.
    init(_ error: RegistryError) {
        switch error {
        case .manifestUnknown, .repositoryUnknown, .blobUnknown:
            self.init(status: .notFound, heading: "Not found", message: error.description)
        case .protectedByRule(let reason), .deniedByPolicy(let reason):
            self.init(status: .forbidden, heading: "Refused by a rule", message: reason)
        case .invalidPolicy(let reason):
            self.init(status: .badRequest, heading: "Refused", message: reason)
        case .invalid(let problem):
            self.init(status: .badRequest, heading: "Refused", message: problem.description)
        case .collectionRunning:
            self.init(status: .conflict, heading: "Busy", message: error.description)
        case .readOnly:
            self.init(status: .methodNotAllowed, heading: "Read-only", message: error.description)
        case .storageFull:
            self.init(status: .init(code: 507), heading: "Storage full", message: error.description)
        default:
            self = .internalError
        }
    }

    init(status: HTTPResponse.Status, heading: String, message: String) {
        self.status = status
        self.heading = heading
        self.message = message
    }
}
