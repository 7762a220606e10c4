// JSONText.swift: JSON text for responses, audit lines and logs, written directly.
// Foundation's JSONSerialization sorts keys with ICU collation and bridges every value
// through NSObject: it was a quarter of a login's time. Keys sort by their UTF-8 bytes.
import Foundation

public enum JSONText {
    public static func encode(_ value: Any?) -> String {
        var out = ""
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// One protocol lookup per value: never Foundation's bridging (which, asked whether a
    /// Swift value is an NSNull or a Bool, converts it to an Objective-C object first).
    static func write(_ value: Any?, into out: inout String) {
        guard let value else { return out += "null" }
        if let v = value as? JSONTextEncodable { v.writeJSON(into: &out) } else { string("\(value)", into: &out) }
    }

    static func object(_ members: [(String, Any?)], into out: inout String) {
        out += "{"
        for (i, (k, v)) in members.sorted(by: { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }).enumerated() {
            if i > 0 { out += "," }
            string(k, into: &out)
            out += ":"
            write(v, into: &out)
        }
        out += "}"
    }

    static let hex: [Character] = Array("0123456789abcdef")

    static func string(_ s: String, into out: inout String) {
        out += "\""
        var plain = true
        for b in s.utf8 where b < 0x20 || b == 0x22 || b == 0x5c {
            plain = false
            break
        }
        if plain {
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

    /// 2026-11-24T01:02:03Z (or with milliseconds), in UTC, without a date formatter.
    public static func timestamp(_ t: Double, milliseconds: Bool = false) -> String {
        var secs = time_t(t.rounded(.down))
        var tm = tm()
        gmtime_r(&secs, &tm)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        var s = "\(tm.tm_year + 1900)-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday))T\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec))"
        if milliseconds {
            let ms = Int((t - t.rounded(.down)) * 1000)
            s += "." + (ms < 10 ? "00" : ms < 100 ? "0" : "") + String(ms)
        }
        return s + "Z"
    }
}

/// Values JSONText writes as themselves.
protocol JSONTextEncodable {
    func writeJSON(into out: inout String)
}

extension String: JSONTextEncodable {
    func writeJSON(into out: inout String) { JSONText.string(self, into: &out) }
}
extension Substring: JSONTextEncodable {
    func writeJSON(into out: inout String) { JSONText.string(String(self), into: &out) }
}
extension Bool: JSONTextEncodable {
    func writeJSON(into out: inout String) { out += self ? "true" : "false" }
}
extension Int: JSONTextEncodable {
    func writeJSON(into out: inout String) { out += String(self) }
}
extension Int64: JSONTextEncodable {
    func writeJSON(into out: inout String) { out += String(self) }
}
extension Int32: JSONTextEncodable {
    func writeJSON(into out: inout String) { out += String(self) }
}
extension UInt64: JSONTextEncodable {
    func writeJSON(into out: inout String) { out += String(self) }
}
extension UInt: JSONTextEncodable {
    func writeJSON(into out: inout String) { out += String(self) }
}
extension Double: JSONTextEncodable {
    func writeJSON(into out: inout String) {
        out += isFinite ? (self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)) : "null"
    }
}
extension NSNull: JSONTextEncodable {
    func writeJSON(into out: inout String) { out += "null" }
}
extension Optional: JSONTextEncodable {
    func writeJSON(into out: inout String) { JSONText.write(self.map { $0 as Any }, into: &out) }
}
extension Array: JSONTextEncodable {
    func writeJSON(into out: inout String) {
        out += "["
        for (i, v) in enumerated() {
            if i > 0 { out += "," }
            JSONText.write(v, into: &out)
        }
        out += "]"
    }
}
extension Dictionary: JSONTextEncodable where Key == String {
    func writeJSON(into out: inout String) { JSONText.object(map { ($0.key, $0.value as Any?) }, into: &out) }
}
