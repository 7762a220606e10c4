// Body.swift: a JSON request body read within a size limit, and its fields taken with
// their types checked: a wrong type or an unknown field is a 400 that names the field.
import Foundation
import Hummingbird
import NIOCore
import VouchService

struct Fields {
    let members: [(String, JSONValue)]

    /// Reads the body (at most `limit` bytes) and requires a JSON object.
    static func read(_ request: Request, limit: Int) async throws -> Fields {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw ServiceError(.tooLarge, "body_too_large", "the request body is larger than \(limit) bytes")
        }
        var buffer = try await request.body.collect(upTo: limit)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        guard let members = try RequestJSON.parse(bytes, maxBytes: limit).object else {
            throw ServiceError.badRequest("invalid_body", "the request body must be a JSON object")
        }
        return Fields(members: members)
    }

    func value(_ name: String) -> JSONValue? {
        guard let v = members.first(where: { $0.0 == name })?.1, v != .null else { return nil }
        return v
    }

    func has(_ name: String) -> Bool { value(name) != nil }

    /// Refuses any field not in `allowed`.
    func only(_ allowed: Set<String>) throws {
        if let unknown = members.first(where: { !allowed.contains($0.0) }) {
            throw ServiceError.badRequest("unknown_field", "unknown field \"\(unknown.0)\"")
        }
    }

    static func wrong(_ name: String, _ what: String) -> ServiceError {
        .badRequest("invalid_field", "\(name) must be \(what)")
    }

    func string(_ name: String) throws -> String? {
        guard let v = value(name) else { return nil }
        guard case .string(let s) = v else { throw Self.wrong(name, "a string") }
        return s
    }

    func int(_ name: String) throws -> Int? {
        guard let v = value(name) else { return nil }
        guard case .int(let n) = v, let i = Int(exactly: n) else { throw Self.wrong(name, "an integer") }
        return i
    }

    func bool(_ name: String) throws -> Bool? {
        guard let v = value(name) else { return nil }
        guard case .bool(let b) = v else { throw Self.wrong(name, "true or false") }
        return b
    }

    /// An array of strings, or (as Vault accepts) one comma-separated string.
    func strings(_ name: String) throws -> [String]? {
        guard let v = value(name) else { return nil }
        switch v {
        case .string(let s): return s.isEmpty ? [] : [s]
        case .array(let items):
            return try items.map { item in
                guard case .string(let s) = item else { throw Self.wrong(name, "an array of strings") }
                return s
            }
        default: throw Self.wrong(name, "an array of strings or a comma-separated string")
        }
    }

    /// Vault's durations: seconds as a number or a string, or "1h30m", "10m", "45s".
    func duration(_ name: String) throws -> Int? {
        guard let v = value(name) else { return nil }
        switch v {
        case .int(let n):
            guard let i = Int(exactly: n) else { throw Self.wrong(name, "a duration") }
            return i
        case .string(let s):
            guard let d = Self.parseDuration(s) else { throw Self.wrong(name, "a duration such as 3600, \"1h\" or \"30m\"") }
            return d
        default: throw Self.wrong(name, "a duration")
        }
    }

    static func parseDuration(_ s: String) -> Int? {
        if s.isEmpty { return 0 }
        if let n = Int(s) { return n }
        var total = 0, number = ""
        for c in s {
            if c.isASCII, c.isNumber {
                number.append(c)
                continue
            }
            guard let n = Int(number), let unit = ["s": 1, "m": 60, "h": 3600, "d": 86400][String(c)] else { return nil }
            let (product, o1) = n.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(product)
            guard !o1, !o2 else { return nil }
            total = sum
            number = ""
        }
        return number.isEmpty ? total : nil
    }
}
