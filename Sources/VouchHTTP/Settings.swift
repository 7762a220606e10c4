// Settings.swift: how the server listens and whom it trusts to forward certificates.
import VouchService

public struct ServerSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8200
    /// PEM files: serve HTTPS and request client certificates.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Load balancers whose client-certificate header (and X-Forwarded-For) is believed.
    public var trustedProxies: [CIDR] = []
    /// The header a TLS-terminating proxy puts the URL-encoded client certificate in
    /// (nginx: `proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;`).
    public var clientCertHeader = "X-SSL-Client-Cert"
    /// Request bodies are refused past this size (CRL uploads: `maxCRLBodyBytes`).
    public var maxBodyBytes = 1 << 20
    public var maxCRLBodyBytes = 64 << 20

    public init() {}
}
