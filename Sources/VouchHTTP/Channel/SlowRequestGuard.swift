// SlowRequestGuard.swift: a request must arrive at a useful pace. The login routes need no
// authentication, so without a bound a handful of clients sending a byte every few
// seconds could hold connections forever (slowloris). Like nginx's client_header_timeout
// and client_body_timeout, but as a rate: the request line and headers must be complete
// within `headerTimeout`, and past `grace` the request as a whole must have arrived at
// `minBytesPerSecond` on average. A request too slow is answered 408 and its connection
// closed, gracefully: the server stops writing, drops what still arrives for up to two
// seconds, then closes (closing at once, with unread bytes, would reset the connection and
// could lose the answer). Between requests the HTTP server's idle timeout applies.
import Logging
import NIOCore

/// Outbound user event from behind the HTTP parser: a request's head has been read.
struct RequestHeadReceived: Sendable {}

final class SlowRequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    struct Limits: Sendable {
        var headerTimeout: TimeAmount = .seconds(10)
        var grace: TimeAmount = .seconds(10)
        var minBytesPerSecond = 1024
    }

    private let limits: Limits
    private let logger: Logger
    private let onRefusal: @Sendable (String) -> Void
    private var start: NIODeadline?
    private var bytes = 0
    private var headDone = false
    private var check: RepeatedTask?
    /// A 408 was sent: what still arrives is dropped until the connection closes.
    private var closing = false
    /// The request's first bytes, enough to tell a Vault path (/v1/...) by its request line.
    private var prefix: [UInt8] = []
    /// Requests read to their end whose responses are not yet written (pipelining): a 408
    /// written now would be taken for their answer, so the connection is closed without one.
    private var pendingResponses = 0

    init(limits: Limits = Limits(), logger: Logger, onRefusal: @escaping @Sendable (String) -> Void) {
        self.limits = limits
        self.logger = logger
        self.onRefusal = onRefusal
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if closing { return }
        let n = unwrapInboundIn(data).readableBytes
        if start == nil, n > 0 { begin(context) }
        if prefix.count < 16 { prefix += unwrapInboundIn(data).readableBytesView.prefix(16 - prefix.count) }
        bytes += n
        context.fireChannelRead(data)
    }

    private func begin(_ context: ChannelHandlerContext) {
        start = .now()
        bytes = 0
        headDone = false
        prefix = []
        // cancelled when the request ends or the connection goes: the task never outlives them
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            bound.value.0.inspect(bound.value.1)
        }
    }

    private func end() {
        check?.cancel()
        check = nil
        start = nil
    }

    private func inspect(_ context: ChannelHandlerContext) {
        guard let start else { return }
        let elapsed = NIODeadline.now() - start
        var why: String?
        if !headDone, elapsed > limits.headerTimeout {
            why = "request headers not complete within \(limits.headerTimeout.nanoseconds / 1_000_000_000) s"
        } else if elapsed > limits.grace, Double(bytes) < Double(limits.minBytesPerSecond) * Double(elapsed.nanoseconds) / 1e9 {
            why = "request arriving slower than \(limits.minBytesPerSecond) bytes/s"
        }
        guard let why else { return }
        end()
        onRefusal(why)
        logger.debug("connection closed", metadata: ["reason": .string(why)])
        // the error shape of the path's API: Vault's on /v1/, Infisical's elsewhere
        let line = String(decoding: prefix, as: UTF8.self)
        let vaultPath = line.split(separator: " ", maxSplits: 2).dropFirst().first?.hasPrefix("/v1/") ?? false
        let body = vaultPath ? #"{"errors":["\#(why)"]}"# : #"{"error":"request_timeout","message":"\#(why)","statusCode":408}"#
        var out = context.channel.allocator.buffer(capacity: 160 + body.utf8.count)
        out.writeString("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        closing = true
        let channel = context.channel
        if pendingResponses > 0 {
            channel.close(promise: nil)
            return
        }
        context.writeAndFlush(NIOAny(out)).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event {
        case is RequestHeadReceived:
            headDone = true
            promise?.succeed()
        case is RequestBoundary:
            end()
            pendingResponses += 1
            promise?.succeed()
        case is ResponseComplete:
            pendingResponses = max(0, pendingResponses - 1)
            promise?.succeed()
        default:
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        end()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { end() }
}
