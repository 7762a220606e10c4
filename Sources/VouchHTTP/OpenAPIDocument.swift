// OpenAPIDocument.swift: the API, described in Resources/openapi.json (served at
// /openapi.json; tests hold it against the routes the server registers and run
// schemathesis against it). The file is compiled into the binary.

enum OpenAPIDocument {
    static let json = String(decoding: PackageResources.openapi_json, as: UTF8.self)
}
