// Timestamp.swift: 2026-11-24T01:02:03Z (or with milliseconds), in UTC, without a date
// formatter: audit lines and log lines carry one each.
import Foundation

public enum Timestamp {
    public static func iso(_ t: Double, milliseconds: Bool = false) -> String {
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
