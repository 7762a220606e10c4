// TLSHandshakeWatcher.swift: a TLS handshake that fails (a client certificate without
// digitalSignature, a protocol the server does not speak, a client that gives up) leaves
// a trace: a log line with the reason, at most one a second with a count of those held
// back, and a metric. A handshake not done within `timeout` closes the connection. A
// connection that sends nothing at all (a load balancer's TCP check) is no failure: a
// handler in front of TLS notes whether any byte arrived.
import Logging
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// Whether a connection has sent anything: set by `BytesSeen` in front of TLS, read by the
/// watcher behind it (both on the connection's event loop).
final class BytesSeenFlag: @unchecked Sendable {
    var seen = false
}

final class BytesSeen: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let flag: BytesSeenFlag
    init(_ flag: BytesSeenFlag) { self.flag = flag }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        flag.seen = true
        context.fireChannelRead(data)
    }
}

final class TLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let bytes: BytesSeenFlag
    private let timeout: TimeAmount
    private let log: RateLimitedLog
    private let onFailure: @Sendable () -> Void
    private var deadline: Scheduled<Void>?
    private var done = false

    init(bytes: BytesSeenFlag, timeout: TimeAmount = .seconds(10), log: RateLimitedLog, onFailure: @escaping @Sendable () -> Void) {
        self.bytes = bytes
        self.timeout = timeout
        self.log = log
        self.onFailure = onFailure
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (me, ctx) = bound.value
            guard !me.done else { return }
            me.done = true  // what closing now raises is not another failure
            if me.bytes.seen { me.failed(ctx, "handshake not complete within \(me.timeout.nanoseconds / 1_000_000_000) s") }
            ctx.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { deadline?.cancel() }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? TLSUserEvent, case .handshakeCompleted = e {
            done = true
            deadline?.cancel()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !done {
            done = true
            deadline?.cancel()
            if bytes.seen { failed(context, "\(error)") }
        }
        context.fireErrorCaught(error)
    }

    /// A connection closed before any handshake (a load balancer's TCP check) is no failure.
    func channelInactive(context: ChannelHandlerContext) {
        done = true
        deadline?.cancel()
        context.fireChannelInactive()
    }

    private func failed(_ context: ChannelHandlerContext, _ reason: String) {
        onFailure()
        log.warning("TLS handshake failed", ["remote": context.remoteAddress?.ipAddress ?? "", "reason": reason])
    }
}

/// Log lines that an attacker could cause by the thousand: at most one a second; the next
/// one says how many were held back.
final class RateLimitedLog: Sendable {
    private let logger: Logger
    private let state = Mutex<(last: ContinuousClock.Instant?, held: Int)>((nil, 0))

    init(logger: Logger) { self.logger = logger }

    func warning(_ message: String, _ metadata: [String: String]) {
        let now = ContinuousClock.now
        let held: Int? = state.withLock { s in
            if let last = s.last, now - last < .seconds(1) {
                s.held += 1
                return nil
            }
            let h = s.held
            s = (now, 0)
            return h
        }
        guard let held else { return }
        var m = Logger.Metadata()
        for (k, v) in metadata { m[k] = .string(v) }
        if held > 0 { m["held_back"] = .stringConvertible(held) }
        logger.warning("\(message)", metadata: m)
    }
}
