// Body.swift: request bodies read within a size limit and decoded into the route's typed
// request struct through VouchCore's one JSON path (strict: an unknown member, a missing
// one or one of the wrong type is a 400 naming it), and the value types Vault's and
// Infisical's bodies use: lists that may be comma-separated strings, durations that may
// be "1h30m", members that are written as null.
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VouchService

extension Request {
    /// The body as `T`, read up to `limit` bytes; an empty body reads as `{}`.
    func decode<T: Decodable>(_ type: T.Type, limit: Int) async throws -> T {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit {
            throw ServiceError(.tooLarge, "body_too_large", "the request body is larger than \(limit) bytes")
        }
        var buffer = try await body.collect(upTo: limit)
        var bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }) { bytes = Array("{}".utf8) }
        do {
            return try JSON.decode(type, from: bytes, maxBytes: limit, maxDepth: 16)
        } catch let e as JSONInputError {
            switch e.code {
            case .tooLarge: throw ServiceError(.tooLarge, "body_too_large", "the request body is larger than \(limit) bytes")
            case .invalidField where e.path.isEmpty:
                throw ServiceError.badRequest("invalid_body", "the request body must be a JSON object")
            default: throw ServiceError.badRequest(e.code.rawValue, e.message)
            }
        }
    }
}

/// Vault's string lists: an array of strings, or one string (which the service may split
/// at commas, as Vault does).
struct VaultList: Decodable, Sendable {
    let items: [String]

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            items = s.isEmpty ? [] : [s]
        } else if let a = try? c.decode([String].self) {
            items = a
        } else {
            throw DecodingError.typeMismatch(
                [String].self, .init(codingPath: decoder.codingPath, debugDescription: "an array of strings or a comma-separated string"))
        }
    }
}

/// Vault's durations: seconds as a number or a string, or "1h30m", "10m", "45s".
struct VaultDuration: Decodable, Sendable {
    let seconds: Int

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) {
            seconds = n
        } else if let s = try? c.decode(String.self), let d = Self.parse(s) {
            seconds = d
        } else {
            throw DecodingError.typeMismatch(
                Int.self, .init(codingPath: decoder.codingPath, debugDescription: "a duration such as 3600, \"1h\" or \"30m\""))
        }
    }

    static func parse(_ s: String) -> Int? {
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

/// Vault's token_* fields that Vouch does not have: sent by clients at their zero values
/// (accepted), anything else refused rather than ignored.
func refuseUnsupportedTokenFields(explicitMaxTTL: VaultDuration?, tokenPeriod: VaultDuration?, period: VaultDuration?,
                                  noDefaultPolicy: Bool?) throws {
    for (field, value) in [("token_explicit_max_ttl", explicitMaxTTL), ("token_period", tokenPeriod), ("period", period)]
    where (value?.seconds ?? 0) != 0 {
        throw ServiceError.badRequest("unsupported_field", "\(field) is not supported")
    }
    if noDefaultPolicy == true {
        throw ServiceError.badRequest("unsupported_field", "token_no_default_policy is not supported (no default policy is added)")
    }
}

/// Vault's booleans as its clients send them: true/false, or a string ("true", "false",
/// "1", "0"; "" means not given: hvac sends "" for booleans it leaves at their default).
struct VaultBool: Decodable, Sendable {
    let value: Bool?

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            value = b
            return
        }
        switch try? c.decode(String.self) {
        case "": value = nil
        case "true", "1": value = true
        case "false", "0": value = false
        default:
            throw DecodingError.typeMismatch(Bool.self, .init(codingPath: decoder.codingPath, debugDescription: "true or false"))
        }
    }
}

/// A member always written, as null when there is no value (Infisical's and Vault's shapes).
struct Nullable<T: Encodable & Sendable>: Encodable, Sendable {
    let value: T?
    init(_ value: T?) { self.value = value }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let value { try c.encode(value) } else { try c.encodeNil() }
    }
}

/// Nothing: `null` where an envelope has no value.
struct None: Encodable, Sendable {}

/// A JSON response (Content-Type exactly application/json: hvac compares it as a string).
func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"],
             body: .init(byteBuffer: ByteBuffer(string: JSON.encode(value))))
}

func noContent() -> Response { Response(status: .noContent) }

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let api: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f
    }()
}
