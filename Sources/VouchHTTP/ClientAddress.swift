// ClientAddress.swift: who is calling: the peer, or (behind a trusted load balancer) the
// client it forwards for; and the client certificate, from our TLS handshake or from the
// trusted load balancer's header.
import Foundation
import HTTPTypes
import Hummingbird
import VouchService

struct Caller {
    /// The client's address, as trusted IP ranges are checked against.
    let ip: String
    let viaTrustedProxy: Bool
}

extension ServerSettings {
    func caller(_ request: Request, _ context: VouchContext) -> Caller {
        let peer = context.peerIP
        guard CIDR.anyContains(trustedProxies, peer) else { return Caller(ip: peer, viaTrustedProxy: false) }
        // X-Forwarded-For: the rightmost address that is not one of our proxies
        let hops = request.headers[values: .init("X-Forwarded-For")!]
            .flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() where !CIDR.anyContains(trustedProxies, hop) {
            let isAddress = !hop.contains("/") && (try? CIDR(hop)) != nil
            return Caller(ip: isAddress ? hop : peer, viaTrustedProxy: true)
        }
        return Caller(ip: peer, viaTrustedProxy: true)
    }

    /// The presented chain, leaf first (PEM or DER bytes), or [] when there is none.
    /// A certificate header from anyone but a trusted proxy is refused and audited.
    func clientChain(_ request: Request, _ context: VouchContext, caller: Caller, audit: AuditLog) async throws -> [UInt8] {
        let headerName = HTTPField.Name(clientCertHeader)!
        if let header = request.headers[headerName], !header.isEmpty, header != "(null)" {
            guard caller.viaTrustedProxy else {
                audit.record(.init(type: "login", action: "client-cert-header", outcome: "refused", remote: context.peerIP,
                                   code: "untrusted_proxy",
                                   reason: "\(clientCertHeader) sent by \(context.peerIP), which is not a trusted proxy"))
                throw ServiceError(.forbidden, "untrusted_proxy", "the client certificate header is accepted only from trusted proxies")
            }
            guard header.utf8.count <= 256 * 1024, let pem = Self.percentDecoded(header.utf8) else {
                throw ServiceError.badRequest("malformed_client_certificate", "the client certificate header is not a URL-encoded PEM certificate")
            }
            return pem
        }
        return (await context.tlsClientChain() ?? []).flatMap { $0 }
    }

    /// %XX decoding (nginx's $ssl_client_escaped_cert); nil for a broken escape or a byte
    /// no PEM certificate holds (only printable ASCII and line breaks).
    static func percentDecoded(_ s: String.UTF8View) -> [UInt8]? {
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x41 + 10
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(s.count)
        var it = s.makeIterator()
        while let c = it.next() {
            var b = c
            if c == UInt8(ascii: "%") {
                guard let h = it.next().flatMap(hex), let l = it.next().flatMap(hex) else { return nil }
                b = h << 4 | l
            }
            guard (0x20...0x7e).contains(b) || b == 0x0a || b == 0x0d || b == 0x09 else { return nil }
            out.append(b)
        }
        return out
    }
}
