// LineWriter.swift: lines appended to a file in batches, so that a request does not pay a
// write(2) of its own. A line reaches the file within `interval` of being appended (one
// write for every line gathered meanwhile), or at once when `limit` bytes are waiting: the
// caller that fills the buffer writes it out itself, which holds callers back while the
// disk is behind (back-pressure), and nothing is ever dropped. `flush()` writes what waits
// (at shutdown; tests). A process killed with SIGKILL loses at most the lines of the last
// `interval`, and never more than `limit` bytes.
import Dispatch
import Foundation
import Synchronization

public final class LineWriter: Sendable {
    private struct Buffer {
        var bytes: [UInt8] = []
        var scheduled = false
    }

    private let fd: Int32
    private let ownsFD: Bool
    private let interval: DispatchTimeInterval
    private let limit: Int
    private let buffer = Mutex(Buffer())
    /// Held while a batch is taken and written, so batches reach the file in order.
    private let output = Mutex(())
    private let timer = DispatchQueue(label: "vouch.lines", qos: .utility)
    /// Write errors so far (a full disk); reported on standard error, once per kind.
    private let failures = Mutex([Int32: Int]())

    /// The default wait before buffered lines are written.
    public static let defaultInterval = DispatchTimeInterval.milliseconds(10)
    public static let defaultLimit = 256 * 1024

    /// Appends to `fd`; `ownsFD` closes it when the writer goes.
    public init(fd: Int32, ownsFD: Bool, interval: DispatchTimeInterval = defaultInterval, limit: Int = defaultLimit) {
        self.fd = fd
        self.ownsFD = ownsFD
        self.interval = interval
        self.limit = limit
    }

    /// Standard error, for log lines.
    public static let standardError = LineWriter(fd: 2, ownsFD: false)

    deinit {
        flush()
        if ownsFD { close(fd) }
    }

    /// Appends one line (a newline is added).
    public func append(_ line: String) {
        var line = line
        line.withUTF8 { append(bytes: $0) }
    }

    public func append(bytes line: UnsafeBufferPointer<UInt8>) {
        let (full, schedule) = buffer.withLock { b -> (Bool, Bool) in
            b.bytes.append(contentsOf: line)
            b.bytes.append(0x0a)
            if b.bytes.count >= limit { return (true, false) }
            if b.scheduled { return (false, false) }
            b.scheduled = true
            return (false, true)
        }
        if full {
            flush()
        } else if schedule {
            timer.asyncAfter(deadline: .now() + interval) { [weak self] in self?.flush() }
        }
    }

    /// Writes every line appended so far.
    public func flush() {
        output.withLock { _ in
            let bytes = buffer.withLock { b -> [UInt8] in
                b.scheduled = false
                defer { b.bytes.removeAll(keepingCapacity: b.bytes.count <= limit) }
                return b.bytes
            }
            guard !bytes.isEmpty else { return }
            bytes.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + off, raw.count - off)
                    if n > 0 {
                        off += n
                    } else if n < 0, errno == EINTR {
                        continue
                    } else {
                        report(errno)
                        return
                    }
                }
            }
        }
    }

    /// A batch that could not be written is reported on standard error (once per errno,
    /// then every 1000th time), never silently.
    private func report(_ err: Int32) {
        let count = failures.withLock { f -> Int in
            f[err, default: 0] += 1
            return f[err]!
        }
        guard count == 1 || count % 1000 == 0 else { return }
        let msg = "{\"level\":\"error\",\"message\":\"lines could not be written (fd \(fd)): \(String(cString: strerror(err))); "
            + "failures so far: \(count)\"}\n"
        _ = msg.withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
