// OpenAPITests.swift: the OpenAPI document is valid OpenAPI 3 (openapi-spec-validator,
// PyPI) and describes exactly the routes the server registers.
import Foundation
import VouchHTTP
import VouchService
import VouchTestSupport
import XCTest

final class OpenAPITests: XCTestCase {
    func testDocumentMatchesRoutes() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vouch-openapi-\(UUID().uuidString)").path
        let (vouch, _) = try await Vouch.open(dataDir: dir, adminTokenFile: nil, audit: try AuditLog(path: nil))
        let served = Set(VouchServer.routes(vouch: vouch, settings: ServerSettings()).map { "\($0.method) \($0.path)" })
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(VouchServer.openAPIDocument.utf8)) as? [String: Any])
        let paths = try XCTUnwrap(doc["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, ops) in paths {
            for method in ops.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        XCTAssertGreaterThan(served.count, 25)
        XCTAssertEqual(served.subtracting(documented).sorted(), [], "served but not documented")
        XCTAssertEqual(documented.subtracting(served).sorted(), [], "documented but not served")
    }

    func testDocumentIsValidOpenAPI3() throws {
        let pki = try PKI()
        let path = try pki.write(Data(VouchServer.openAPIDocument.utf8), "openapi.json")
        let out = try PKI.run(["python3", "-c", """
            import json, sys
            from openapi_spec_validator import validate
            validate(json.load(open(sys.argv[1])))
            print("valid")
            """, path])
        XCTAssertEqual(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "valid")
    }
}
