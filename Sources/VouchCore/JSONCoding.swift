// JSONCoding.swift: Vouch's one JSON path. In: bytes parsed strictly by jansson
// (JSONValue.parse), then decoded into a Decodable type by `JSON.decode`, which refuses
// members the type does not read and names the field that is wrong. Out: an Encodable
// encoded by `JSON.encode` into a JSONValue and written as text, members in the order the
// type encodes them (dictionaries sorted by key). Dates are Unix seconds both ways.
import Foundation

public enum JSON {
    /// Decodes `bytes` (one JSON document, within `maxBytes` and `maxDepth`) into `T`.
    /// Throws `JSONInputError`: malformed JSON, an unknown member, a missing member, or a
    /// member of the wrong type, each naming the member's path.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>, maxBytes: Int = 1 << 20,
                                            maxDepth: Int = 16) throws -> T {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes, maxDepth: maxDepth, maxBytes: maxBytes)
        } catch let e as VouchError {
            throw JSONInputError(code: e.code == "input_too_large" ? .tooLarge : .malformed, path: "", message: e.message)
        }
        return try decode(type, from: value)
    }

    /// Decodes an already parsed value (a JWT's claims, a stored document) into `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let context = DecodingContext()
        let result: T
        do {
            result = try T(from: ValueDecoder(value: value, codingPath: [], context: context))
        } catch let e as DecodingError {
            throw JSONInputError(e)
        }
        if let unknown = context.unknownMembers().first {
            throw JSONInputError(code: .unknownField, path: unknown, message: "unknown field \"\(unknown)\"")
        }
        return result
    }

    /// Encodes `value` as JSON text.
    public static func encode<T: Encodable>(_ value: T) -> String {
        do {
            let node = try ValueEncoder.node(value, at: [])
            var out = ""
            out.reserveCapacity(256)
            node.write(into: &out)
            return out
        } catch {
            return JSONValue.string("\(error)").text  // as encodeValue
        }
    }

    /// Encodes `value` as a JSONValue (to add to, or to compare).
    public static func encodeValue<T: Encodable>(_ value: T) -> JSONValue {
        do {
            return try ValueEncoder.node(value, at: []).value
        } catch {
            // only a type's own encode(to:) can throw; Vouch's types do not
            return .string("\(error)")
        }
    }
}

/// Why a JSON input was refused: a stable code, the member's dotted path, a sentence.
public struct JSONInputError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case malformed = "malformed_json"
        case tooLarge = "body_too_large"
        case unknownField = "unknown_field"
        case missingField = "missing_field"
        case invalidField = "invalid_field"
    }
    public let code: Code
    /// "accessTokenTrustedIps.0.ipAddress"; empty for the document itself.
    public let path: String
    public let message: String

    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    init(_ e: DecodingError) {
        func dotted(_ path: [CodingKey]) -> String {
            path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch e {
        case .keyNotFound(let key, let ctx):
            let p = dotted(ctx.codingPath + [key])
            self.init(code: .missingField, path: p, message: "\(p) is required")
        case .valueNotFound(_, let ctx):
            let p = dotted(ctx.codingPath)
            self.init(code: .missingField, path: p, message: "\(p) is required")
        case .typeMismatch(_, let ctx), .dataCorrupted(let ctx):
            let p = dotted(ctx.codingPath)
            let what = ctx.debugDescription
            self.init(code: .invalidField, path: p, message: p.isEmpty ? what : "\(p) must be \(what)")
        @unknown default:
            self.init(code: .invalidField, path: "", message: "\(e)")
        }
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

// MARK: - writing

extension JSONValue {
    /// The value as compact JSON text.
    public var text: String {
        var out = ""
        out.reserveCapacity(128)
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let n): out += String(n)
        case .double(let d):
            out += d.isFinite ? (d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)) : "null"
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items): JSONValue.writeArray(items, into: &out) { $0.write(into: &$1) }
        case .object(let members): JSONValue.writeObject(members, into: &out) { $0.write(into: &$1) }
        }
    }

    /// `[a,b]` and `{"k":v}`, each element written by `write`: shared by values and the
    /// encoder's tree.
    static func writeArray<V>(_ items: [V], into out: inout String, _ write: (V, inout String) -> Void) {
        out += "["
        for (i, v) in items.enumerated() {
            if i > 0 { out += "," }
            write(v, &out)
        }
        out += "]"
    }

    static func writeObject<V>(_ members: [(String, V)], into out: inout String, _ write: (V, inout String) -> Void) {
        out += "{"
        for (i, (k, v)) in members.enumerated() {
            if i > 0 { out += "," }
            writeString(k, into: &out)
            out += ":"
            write(v, &out)
        }
        out += "}"
    }

    private static let hex: [Character] = Array("0123456789abcdef")

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c }) {
            out += s
        } else {
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where u.value < 0x20:
                    out += "\\u00"
                    out.append(hex[Int(u.value >> 4)])
                    out.append(hex[Int(u.value & 0xf)])
                default: out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

// MARK: - encoding

/// The tree an encoding builds: reference nodes, so that nested containers handed out
/// before they are filled end up in place; turned into a JSONValue at the end.
private final class Node {
    enum Kind { case leaf, object, array }
    /// What the node is; only the matching one of `leaf`, `members`, `items` is used.
    /// (Kept apart from the enum so that adding a member appends in place, not to a copy.)
    var kind: Kind = .object
    var leaf: JSONValue = .null
    var members: [(String, Node)] = []
    var items: [Node] = []

    var value: JSONValue {
        switch kind {
        case .leaf: leaf
        case .object: .object(members.map { ($0.0, $0.1.value) })
        case .array: .array(items.map(\.value))
        }
    }

    /// Writes the node as compact JSON (as `value.text` would, without building the value).
    func write(into out: inout String) {
        switch kind {
        case .leaf: leaf.write(into: &out)
        case .object: JSONValue.writeObject(members, into: &out) { $0.write(into: &$1) }
        case .array: JSONValue.writeArray(items, into: &out) { $0.write(into: &$1) }
        }
    }

    func add(_ key: String, _ node: Node) {
        guard kind == .object else { return }
        members.append((key, node))
    }
    func append(_ node: Node) {
        guard kind == .array else { return }
        items.append(node)
    }
    func become(_ other: Node) {
        kind = other.kind
        leaf = other.leaf
        members = other.members
        items = other.items
    }
    func setLeaf(_ v: JSONValue) {
        kind = .leaf
        leaf = v
    }
    static func leaf(_ v: JSONValue) -> Node {
        let n = Node()
        n.setLeaf(v)
        return n
    }
    var count: Int { kind == .array ? items.count : 0 }
}

/// [String: V] encodes with its keys sorted (a dictionary's own order changes from run to run).
private protocol StringKeyedDictionary {
    func sortedNode(at path: [CodingKey]) throws -> Node
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Encodable {
    fileprivate func sortedNode(at path: [CodingKey]) throws -> Node {
        let n = Node()
        for k in keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            n.add(k, try ValueEncoder.node(self[k]!, at: path + [NameKey(k)]))
        }
        return n
    }
}

struct NameKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

private struct ValueEncoder: Encoder {
    var codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    let node: Node

    init(codingPath: [CodingKey], node: Node = Node()) {
        self.codingPath = codingPath
        self.node = node
    }

    /// Values JSON writes as themselves rather than through their Encodable conformance.
    static func special(_ value: Any) -> JSONValue? {
        switch value {
        case let d as Date: return .double(d.timeIntervalSince1970)
        case let v as JSONValue: return v
        case let u as URL: return .string(u.absoluteString)
        default: return nil
        }
    }

    static func node(_ value: some Encodable, at path: [CodingKey]) throws -> Node {
        if let s = special(value) { return .leaf(s) }
        if let d = value as? any StringKeyedDictionary { return try d.sortedNode(at: path) }
        let e = ValueEncoder(codingPath: path)
        try value.encode(to: e)
        return e.node
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.kind != .object { node.kind = .object; node.members = [] }
        return KeyedEncodingContainer(Keyed<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if node.kind != .array { node.kind = .array; node.items = [] }
        return Unkeyed(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        var codingPath: [CodingKey]
        private func put(_ key: Key, _ v: JSONValue) { node.add(key.stringValue, .leaf(v)) }
        mutating func encodeNil(forKey key: Key) throws { put(key, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { put(key, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { put(key, .string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws { put(key, .double(value)) }
        mutating func encode(_ value: Int, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { put(key, .int(value)) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws {
            put(key, value <= UInt64(Int64.max) ? .int(Int64(value)) : .double(Double(value)))
        }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            node.add(key.stringValue, try ValueEncoder.node(value, at: codingPath + [key]))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let e = ValueEncoder(codingPath: codingPath + [key])
            node.add(key.stringValue, e.node)
            return e.container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
            let e = ValueEncoder(codingPath: codingPath + [key])
            node.add(key.stringValue, e.node)
            return e.unkeyedContainer()
        }
        mutating func superEncoder() -> Encoder { superEncoder(forKey: Key(stringValue: "super")!) }
        mutating func superEncoder(forKey key: Key) -> Encoder {
            let e = ValueEncoder(codingPath: codingPath + [key])
            node.add(key.stringValue, e.node)
            return e
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        var codingPath: [CodingKey]
        var count: Int { node.count }
        private func put(_ v: JSONValue) { node.append(.leaf(v)) }
        mutating func encodeNil() throws { put(.null) }
        mutating func encode(_ value: Bool) throws { put(.bool(value)) }
        mutating func encode(_ value: String) throws { put(.string(value)) }
        mutating func encode(_ value: Double) throws { put(.double(value)) }
        mutating func encode(_ value: Int) throws { put(.int(Int64(value))) }
        mutating func encode(_ value: Int64) throws { put(.int(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            node.append(try ValueEncoder.node(value, at: codingPath + [IndexKey(count)]))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let e = ValueEncoder(codingPath: codingPath + [IndexKey(count)])
            node.append(e.node)
            return e.container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
            let e = ValueEncoder(codingPath: codingPath + [IndexKey(count)])
            node.append(e.node)
            return e.unkeyedContainer()
        }
        mutating func superEncoder() -> Encoder {
            let e = ValueEncoder(codingPath: codingPath + [IndexKey(count)])
            node.append(e.node)
            return e
        }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        var codingPath: [CodingKey]
        private func set(_ v: JSONValue) { node.setLeaf(v) }
        mutating func encodeNil() throws { set(.null) }
        mutating func encode(_ value: Bool) throws { set(.bool(value)) }
        mutating func encode(_ value: String) throws { set(.string(value)) }
        mutating func encode(_ value: Double) throws { set(.double(value)) }
        mutating func encode(_ value: Float) throws { set(.double(Double(value))) }
        mutating func encode(_ value: Int) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int64) throws { set(.int(value)) }
        mutating func encode(_ value: Int32) throws { set(.int(Int64(value))) }
        // every width is a leaf here: the generic encode below would hand it back to its own
        // encode(to:), which comes straight back to this container
        mutating func encode(_ value: Int16) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: Int8) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: UInt32) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: UInt16) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: UInt8) throws { set(.int(Int64(value))) }
        mutating func encode(_ value: UInt) throws {
            set(UInt64(value) <= UInt64(Int64.max) ? .int(Int64(value)) : .double(Double(value)))
        }
        mutating func encode(_ value: UInt64) throws {
            set(value <= UInt64(Int64.max) ? .int(Int64(value)) : .double(Double(value)))
        }
        mutating func encode<T: Encodable>(_ value: T) throws {
            node.become(try ValueEncoder.node(value, at: codingPath))
        }
    }
}

// MARK: - decoding

struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String
    init(_ i: Int) {
        intValue = i
        stringValue = String(i)
    }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.init(intValue) }
}

/// Which members of which objects a decode read: what is left over was not expected.
private final class DecodingContext {
    /// Every object decoded: where it is, its members, and which of them were read (by
    /// index). The path is made into text only for an object with a member left unread.
    private var objects: [(path: [CodingKey], members: [(String, JSONValue)], read: [Bool])] = []

    func register(path: [CodingKey], members: [(String, JSONValue)]) -> Int {
        objects.append((path, members, [Bool](repeating: false, count: members.count)))
        return objects.count - 1
    }
    func read(_ object: Int, _ member: Int) { objects[object].read[member] = true }
    func unknownMembers() -> [String] {
        objects.flatMap { o -> [String] in
            let path = ValueDecoder.path(o.path)
            return o.members.indices.filter { !o.read[$0] }.map { path.isEmpty ? o.members[$0].0 : "\(path).\(o.members[$0].0)" }
        }
    }
}

private struct ValueDecoder: Decoder {
    let value: JSONValue
    /// The path to the value: its container's, and its own key (an array made only when
    /// asked for, or when the value is a container: most values are neither).
    private let parentPath: [CodingKey]
    private let key: CodingKey?
    var codingPath: [CodingKey] { key.map { parentPath + [$0] } ?? parentPath }
    let context: DecodingContext

    init(value: JSONValue, codingPath: [CodingKey], context: DecodingContext) {
        self.init(value: value, parentPath: codingPath, key: nil, context: context)
    }

    init(value: JSONValue, parentPath: [CodingKey], key: CodingKey?, context: DecodingContext) {
        self.value = value
        self.parentPath = parentPath
        self.key = key
        self.context = context
    }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func path(_ p: [CodingKey]) -> String { p.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }

    func mismatch(_ what: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: what))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch("an object") }
        let id = context.register(path: codingPath, members: members)
        return KeyedDecodingContainer(Keyed<Key>(members: members, codingPath: codingPath, context: context, id: id))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch("an array") }
        return Unkeyed(items: items, codingPath: codingPath, context: context)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { Single(decoder: self) }

    /// Decodes `T` from this decoder's value, with Vouch's special cases.
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if type == Date.self {
            switch value {
            case .int(let n): return Date(timeIntervalSince1970: TimeInterval(n)) as! T
            case .double(let d): return Date(timeIntervalSince1970: d) as! T
            default: throw mismatch("a time in Unix seconds")
            }
        }
        if type == JSONValue.self { return value as! T }
        return try T(from: self)
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [(String, JSONValue)]
        var codingPath: [CodingKey]
        let context: DecodingContext
        let id: Int
        var allKeys: [Key] { members.compactMap { Key(stringValue: $0.0) } }

        func contains(_ key: Key) -> Bool { members.contains { $0.0 == key.stringValue } }

        private func member(_ key: Key) -> JSONValue? {
            let name = key.stringValue
            guard let i = members.firstIndex(where: { $0.0 == name }) else { return nil }
            context.read(id, i)
            return members[i].1
        }

        private func decoder(_ key: Key) throws -> ValueDecoder {
            guard let v = member(key) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "missing"))
            }
            return ValueDecoder(value: v, parentPath: codingPath, key: key, context: context)
        }

        func decodeNil(forKey key: Key) throws -> Bool { member(key).map { $0 == .null } ?? true }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let d = try decoder(key)
            if d.value == .null {
                throw DecodingError.valueNotFound(type, .init(codingPath: d.codingPath, debugDescription: "null"))
            }
            return try d.decode(type)
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let v = member(key), v != .null else { return nil }
            return try ValueDecoder(value: v, parentPath: codingPath, key: key, context: context).decode(type)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            try decoder(key).container(keyedBy: type)
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer { try decoder(key).unkeyedContainer() }
        func superDecoder() throws -> Decoder { ValueDecoder(value: .object(members), codingPath: codingPath, context: context) }
        func superDecoder(forKey key: Key) throws -> Decoder { try decoder(key) }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let items: [JSONValue]
        var codingPath: [CodingKey]
        let context: DecodingContext
        var currentIndex = 0
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        private mutating func next() throws -> ValueDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "more items"))
            }
            defer { currentIndex += 1 }
            return ValueDecoder(value: items[currentIndex], parentPath: codingPath, key: IndexKey(currentIndex), context: context)
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let d = try next()
            if d.value == .null { throw DecodingError.valueNotFound(type, .init(codingPath: d.codingPath, debugDescription: "null")) }
            return try d.decode(type)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try next().container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }
        mutating func superDecoder() throws -> Decoder { try next() }
    }

    struct Single: SingleValueDecodingContainer {
        let decoder: ValueDecoder
        var codingPath: [CodingKey] { decoder.codingPath }
        func decodeNil() -> Bool { decoder.value == .null }
        func decode(_ type: Bool.Type) throws -> Bool {
            guard case .bool(let b) = decoder.value else { throw decoder.mismatch("true or false") }
            return b
        }
        func decode(_ type: String.Type) throws -> String {
            guard case .string(let s) = decoder.value else { throw decoder.mismatch("a string") }
            return s
        }
        func decode(_ type: Double.Type) throws -> Double {
            switch decoder.value {
            case .int(let n): return Double(n)
            case .double(let d): return d
            default: throw decoder.mismatch("a number")
            }
        }
        func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }
        func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
            guard case .int(let n) = decoder.value, let i = I(exactly: n) else { throw decoder.mismatch("an integer") }
            return i
        }
        func decode(_ type: Int.Type) throws -> Int { try integer(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decode(type) }
    }
}
