// VouchChannel.swift: the server's child channel: optional TLS that asks for a client
// certificate and accepts any (Vouch verifies it against the CAs of the identity or
// role being logged into, not a fixed store), then the LIST rewriter, then HTTP/1.
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import VouchService

struct VouchChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let sslContext: NIOSSLContext?
    let metrics: Metrics
    let tlsLog: RateLimitedLog
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let metrics = self.metrics
        return channel.eventLoop.makeCompletedFuture {
            if let sslContext {
                let tls = NIOSSLServerHandler(context: sslContext, configuration: .init()) { presented, promise in
                    // the chain as the client presented it, leaf first; verified per login (and
                    // remembered for the sessions this one's tickets resume)
                    PresentedChains.shared.remember(presented.compactMap { try? $0.toDERBytes() })
                    promise.succeed(.certificateVerified(VerificationMetadata(
                        presented.isEmpty ? nil : ValidatedCertificateChain(presented))))
                }
                let bytes = BytesSeenFlag()
                try channel.pipeline.syncOperations.addHandler(BytesSeen(bytes))
                try channel.pipeline.syncOperations.addHandler(tls)
                try channel.pipeline.syncOperations.addHandler(TLSHandshakeWatcher(bytes: bytes, log: tlsLog) {
                    metrics.increment("vouch_tls_handshake_failures_total", [])
                })
            }
            try channel.pipeline.syncOperations.addHandler(SlowRequestGuard(logger: logger) { _ in
                metrics.increment("vouch_http_slow_requests_closed_total", [])
            })
            try channel.pipeline.syncOperations.addHandler(ListMethodRewriter())
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

extension VouchChannel: HTTPChannelHandler where Base: HTTPChannelHandler {
    var responder: HTTPChannelHandler.Responder { base.responder }
}

extension HTTPServerBuilder {
    /// HTTP/1.1, over TLS when `tls` is given (client certificates requested, not required).
    static func vouch(tls: TLSConfiguration?, metrics: Metrics, logger: Logger) throws -> HTTPServerBuilder {
        let context = try tls.map { try NIOSSLContext(configuration: $0) }
        let tlsLog = RateLimitedLog(logger: logger)
        return .init { responder in
            VouchChannel(
                sslContext: context, metrics: metrics, tlsLog: tlsLog,
                base: HTTP1Channel(
                    responder: responder,
                    configuration: .init(additionalChannelHandlers: [RequestBoundaryWatcher()], idleTimeout: .seconds(120))))
        }
    }
}

/// The server's TLS settings: its certificate and key; client certificates requested.
func serverTLS(certificate: String, key: String) throws -> TLSConfiguration {
    let chain = try NIOSSLCertificate.fromPEMFile(certificate)
    let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
    var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                       privateKey: .privateKey(privateKey))
    tls.certificateVerification = .optionalVerification
    tls.trustRoots = .certificates([])  // verification is the login's, per identity
    tls.minimumTLSVersion = .tlsv12
    tls.shutdownTimeout = .milliseconds(500)
    return tls
}
