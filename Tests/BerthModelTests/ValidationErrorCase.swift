import BerthModel

extension ValidationError {
    /// The case without its payload, so a test can state which kind of error it expects.
    enum Case: Equatable {
        case invalidDigest, unsupportedDigestAlgorithm, invalidRepositoryName, invalidTag, invalidReference
        case invalidMediaType, unsupportedMediaType, manifestTooLarge, invalidManifest
    }

    /// This error's case.
    var `case`: Case {
        switch self {
        case .invalidDigest: .invalidDigest
        case .unsupportedDigestAlgorithm: .unsupportedDigestAlgorithm
        case .invalidRepositoryName: .invalidRepositoryName
        case .invalidTag: .invalidTag
        case .invalidReference: .invalidReference
        case .invalidMediaType: .invalidMediaType
        case .unsupportedMediaType: .unsupportedMediaType
        case .manifestTooLarge: .manifestTooLarge
        case .invalidManifest: .invalidManifest
        }
    }

    /// The reason of an `invalidManifest`, nil for any other case.
    var manifestReason: String? {
        if case .invalidManifest(let reason) = self { return reason }
        return nil
    }
}
