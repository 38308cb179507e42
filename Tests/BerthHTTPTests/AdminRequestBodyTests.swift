import BerthEngine
import BerthHTTP
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Request bodies the admin API cannot use are the client's mistake (4xx), never a 500.
@Suite struct AdminRequestBodyTests {
    /// Sends `body` as JSON with an administrator's Basic credentials.
    private func send(_ client: any TestClientProtocol, _ uri: String, _ method: HTTPRequest.Method, _ body: String) async throws -> TestResponse {
        var headers = basic("admin")
        headers[.contentType] = "application/json"
        return try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
    }

    private func message(_ response: TestResponse) -> String? {
        (response.json?["errors"] as? [[String: Any]])?.first?["message"] as? String
    }

    /// A body that is JSON but not the document the endpoint takes: the message names the field.
    @Test(arguments: [
        ("/admin/v1/users", "POST", #"{"name":"dave"}"#, "password"),          // a field missing
        ("/admin/v1/projects/team", "PUT", #"{"value":"yes"}"#, "value"),      // a field of the wrong type
        ("/admin/v1/policies", "PUT", #"{"immutability":"none"}"#, "immutability"),
    ])
    func aBodyWithAWrongFieldIs400NamingTheField(uri: String, method: String, body: String, field: String) async throws {
        try await withAuthServer { client, _, _ async throws in
            let response = try await send(client, uri, HTTPRequest.Method(rawValue: method) ?? .get, body)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "INVALID_POLICY")
            #expect(message(response)?.contains(field) == true, "\(message(response) ?? "")")
        }
    }

    @Test func aBodyThatIsNotJSONIs400() async throws {
        try await withAuthServer { client, _, _ async throws in
            let response = try await send(client, "/admin/v1/robots", .post, "name=ci")
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "INVALID_POLICY")
        }
    }

    @Test func anAccountBodyOver1MiBIs413SizeInvalid() async throws {
        try await withAuthServer { client, registry, _ async throws in
            let oversized = #"{"name":"dave","password":""# + String(repeating: "a", count: 1 << 20) + #""}"#
            let response = try await send(client, "/admin/v1/users", .post, oversized)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "SIZE_INVALID")
            #expect(try registry.access.account("dave") == nil)
        }
    }

    @Test func aPoliciesDocumentOver1MiBIs413SizeInvalid() async throws {
        try await withAuthServer { client, _, _ async throws in
            let oversized = #"{"immutability":[],"pad":""# + String(repeating: "a", count: 1 << 20) + #""}"#
            let response = try await send(client, "/admin/v1/policies", .put, oversized)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "SIZE_INVALID")
        }
    }
}
