// Context.swift: what a request carries besides itself: the connection (for the TLS
// client certificate) and the peer's address.
import Hummingbird
import NIOCore
import NIOSSL
import VouchService

public struct VouchContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    public let remoteAddress: SocketAddress?
    /// The caller the ACL middleware authorized for this /v1/ call (root for the admin token).
    var holder: TokenRecord?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        remoteAddress = source.channel.remoteAddress
    }

    /// The caller the ACL middleware authorized; a /v1/ route that reaches here without one
    /// (which the middleware does not let happen) is refused rather than served.
    func authorized() throws -> TokenRecord {
        guard let holder else { throw ServiceError(.forbidden, "permission_denied", "permission denied") }
        return holder
    }

    /// Limit for `request.decode`; bodies are read with explicit limits elsewhere.
    public var maxUploadSize: Int { 1 << 20 }

    /// The peer's IP address as text ("127.0.0.1", "::1").
    var peerIP: String { remoteAddress?.ipAddress ?? "" }

    /// The certificates the client presented in the TLS handshake (DER, leaf first), or
    /// nil on a plain connection or when it presented none. A resumed session has had no
    /// handshake of its own: its leaf comes from the session, the rest from what the
    /// client presented when the session was made (PresentedChains).
    func tlsClientChain() async -> [[UInt8]]? {
        if let chain = try? await channel.nioSSL_peerValidatedCertificateChain().get() {
            let der = chain.compactMap { try? $0.toDERBytes() }
            return der.isEmpty ? nil : der
        }
        guard let leaf = try? await channel.nioSSL_peerCertificate().get(), let der = try? leaf.toDERBytes() else { return nil }
        return PresentedChains.shared.chain(forLeaf: der)
    }
}
