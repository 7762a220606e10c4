// ListMethodRewriter.swift: Vault's clients list with the LIST method, which swift-nio's
// HTTP/1 parser refuses before any router sees it. This handler sits in front of the
// parser and rewrites a request line "LIST /path HTTP/1.1" into "GET /path?list=true
// HTTP/1.1", which Vault itself treats as the same request. It knows where a request
// starts from a watcher behind the parser that signals each request's end. A pipelined
// LIST sent in the same packet as the request before it is not rewritten (and is refused
// by the parser as before).
import NIOCore
import NIOHTTPTypes

/// Outbound user event: the request before has been read to its end.
struct RequestBoundary: Sendable {}

final class ListMethodRewriter: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private var atRequestStart = true
    private var pending: ByteBuffer?
    private static let list = Array("LIST ".utf8)
    private static let maxRequestLine = 8192

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var p = pending {
            p.writeBuffer(&buffer)
            buffer = p
            pending = nil
        }
        if atRequestStart {
            let view = buffer.readableBytesView
            let prefix = view.prefix(Self.list.count)
            if prefix.count < Self.list.count, Self.list.starts(with: prefix) {
                pending = buffer  // too short to tell yet
                return
            }
            if prefix.elementsEqual(Self.list) {
                if let end = view.firstIndex(of: UInt8(ascii: "\n")) {
                    buffer = Self.rewrite(buffer, lineEnd: end - view.startIndex)
                } else if view.count < Self.maxRequestLine {
                    pending = buffer  // wait for the rest of the request line
                    return
                }
            }
            atRequestStart = false
        }
        context.fireChannelRead(wrapInboundOut(buffer))
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is RequestBoundary { atRequestStart = true }
        // on to the handlers in front (the slow-request guard ends its clock on it)
        context.triggerUserOutboundEvent(event, promise: promise)
    }

    /// "LIST <target> <version>" up to `lineEnd` becomes "GET <target>[?|&]list=true <version>".
    static func rewrite(_ buffer: ByteBuffer, lineEnd: Int) -> ByteBuffer {
        let line = Array(buffer.readableBytesView.prefix(lineEnd))
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3 else { return buffer }  // malformed: the parser will say so
        let target = Array(parts[1])
        let sep = target.contains(UInt8(ascii: "?")) ? "&" : "?"
        var out = ByteBuffer()
        out.writeString("GET ")
        out.writeBytes(target)
        out.writeString("\(sep)list=true ")
        out.writeBytes(parts[2])
        out.writeBytes(buffer.readableBytesView.dropFirst(lineEnd))
        return out
    }
}

/// Outbound user event: a response has been written to its end.
struct ResponseComplete: Sendable {}

/// Behind the HTTP parser: tells the handlers in front (the rewriter, the slow-request
/// guard) when a request's head has been read, when the request has ended, and when a
/// response has been written to its end.
final class RequestBoundaryWatcher: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        context.fireChannelRead(data)
        switch part {
        case .head: context.triggerUserOutboundEvent(RequestHeadReceived(), promise: nil)
        case .end: context.triggerUserOutboundEvent(RequestBoundary(), promise: nil)
        default: break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd: Bool
        if case .end = unwrapOutboundIn(data) { isEnd = true } else { isEnd = false }
        context.write(data, promise: promise)
        if isEnd { context.triggerUserOutboundEvent(ResponseComplete(), promise: nil) }
    }
}
