// OpenAPIDocument.swift: the API, described in Sources/COpenAPI/openapi.json (served at
// /openapi.json; tests hold it against the routes the server registers and run
// schemathesis against it). The file is compiled into the binary by the COpenAPI target.
import COpenAPI

enum OpenAPIDocument {
    static let json: String = {
        var count = 0
        let bytes = vouch_openapi_json(&count)
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }()
}
