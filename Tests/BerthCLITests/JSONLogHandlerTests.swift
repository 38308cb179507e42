import Foundation
import Logging
import Testing
@testable import BerthCLI

@Suite struct JSONLogHandlerTests {
    private func object(_ message: String, _ metadata: Logger.Metadata) throws -> [String: Any] {
        let line = JSONLogHandler.line(time: Date(timeIntervalSince1970: 1_796_205_819.123), level: .info, label: "berth",
                                       message: message, metadata: metadata)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false)
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func aLineCarriesTimeLevelLoggerMessageAndTheMetadataAtTheTopLevel() throws {
        let line = try object("request", ["path": .string("/v2/")])
        #expect(line["time"] as? String == "2026-12-02T10:03:39.123Z")
        #expect(line["level"] as? String == "info")
        #expect(line["logger"] as? String == "berth")
        #expect(line["message"] as? String == "request")
        #expect(line["path"] as? String == "/v2/")
    }

    @Test func numbersAndBooleansStayNumbersAndBooleans() throws {
        let line = try object("m", ["status": .stringConvertible(201), "duration_ms": .stringConvertible(1.25),
                                    "cached": .stringConvertible(true), "word": .stringConvertible(RepositoryLike())])
        #expect(line["status"] as? Int == 201)
        #expect(line["duration_ms"] as? Double == 1.25)
        #expect(line["cached"] as? Bool == true)
        #expect(line["word"] as? String == "team/app")
    }

    @Test func quotesBackslashesNewlinesAndControlCharactersAreEscaped() throws {
        let tricky = "a \"quoted\" \\ path\nnext\u{1}line\t"
        let line = try object(tricky, ["value": .string(tricky)])
        #expect(line["message"] as? String == tricky)
        #expect(line["value"] as? String == tricky)
    }

    @Test func nestedMetadataKeepsItsShape() throws {
        let line = try object("m", ["error": .dictionary(["code": .stringConvertible(507), "kinds": .array([.string("full")])])])
        let error = try #require(line["error"] as? [String: Any])
        #expect(error["code"] as? Int == 507)
        #expect(error["kinds"] as? [String] == ["full"])
    }

    @Test func aMetadataKeyNamedLikeAFixedFieldIsPrefixed() throws {
        let line = try object("the message", ["message": .string("from metadata"), "level": .string("x")])
        #expect(line["message"] as? String == "the message")
        #expect(line["meta_message"] as? String == "from metadata")
        #expect(line["meta_level"] as? String == "x")
    }
}

/// A value logged as `.stringConvertible` that is no number.
private struct RepositoryLike: CustomStringConvertible, Sendable {
    var description: String { "team/app" }
}
