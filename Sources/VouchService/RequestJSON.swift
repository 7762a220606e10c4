// RequestJSON.swift: request bodies parsed strictly (VouchCore's jansson parser), with
// failures as bad requests naming what was wrong.
import VouchCore

public typealias JSONValue = VouchCore.JSONValue

public enum RequestJSON {
    /// An empty body is an empty object.
    public static func parse(_ bytes: [UInt8], maxBytes: Int) throws -> JSONValue {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { return .object([]) }
        do {
            return try JSONValue.parse(bytes, maxDepth: 16, maxBytes: maxBytes)
        } catch let e as VouchError {
            throw ServiceError(e.code == "input_too_large" ? .tooLarge : .badRequest,
                               e.code == "input_too_large" ? "body_too_large" : "malformed_json", e.message)
        }
    }
}
