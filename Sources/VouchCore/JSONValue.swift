// JSONValue.swift: strictly parsed JSON (jansson: duplicate names, NULs, trailing data
// and deep nesting refused), as a Swift value.
import CVouch

public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// Members in document order.
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// Parses exactly `bytes` as one JSON value. Throws a VouchError naming line and column.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 32, maxBytes: Int = 1 << 20) throws -> JSONValue {
        let data = Array(bytes)
        var root: UnsafeMutablePointer<json_t>?
        try checked { diag in
            data.withUnsafeBufferPointer { vouch_json_parse($0.baseAddress, $0.count, maxDepth, maxBytes, &root, diag) }
        }
        defer { vouch_json_release(root) }
        return convert(root!)
    }

    static func convert(_ v: UnsafeMutablePointer<json_t>) -> JSONValue {
        switch json_type(rawValue: UInt32(bitPattern: vouch_json_type(v))) {
        case JSON_OBJECT:
            var members: [(String, JSONValue)] = []
            var it = json_object_iter(v)
            while let i = it {
                members.append((String(cString: json_object_iter_key(i)), convert(json_object_iter_value(i))))
                it = json_object_iter_next(v, i)
            }
            return .object(members)
        case JSON_ARRAY:
            return .array((0..<json_array_size(v)).map { convert(json_array_get(v, $0)) })
        case JSON_STRING:
            let p = UnsafeRawPointer(json_string_value(v)!).assumingMemoryBound(to: UInt8.self)
            return .string(String(decoding: UnsafeBufferPointer(start: p, count: json_string_length(v)), as: UTF8.self))
        case JSON_INTEGER: return .int(Int64(json_integer_value(v)))
        case JSON_REAL: return .double(json_real_value(v))
        case JSON_TRUE: return .bool(true)
        case JSON_FALSE: return .bool(false)
        default: return .null
        }
    }

    /// The members of an object, nil for anything else.
    public var object: [(String, JSONValue)]? { if case .object(let m) = self { m } else { nil } }

    public subscript(key: String) -> JSONValue? { object?.first { $0.0 == key }?.1 }
}
