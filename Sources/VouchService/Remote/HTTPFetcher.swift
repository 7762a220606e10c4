// HTTPFetcher.swift: the one way the service reaches another server (an OIDC provider's
// discovery document and key set, a Kubernetes API server's TokenReview): AsyncHTTPClient
// with HTTPS verified against the configured CA (or the system store), plain HTTP only to
// loopback addresses or where a configuration says so, connect and total timeouts, bodies
// capped, redirects never followed. Every failure is a `FetchError` naming what happened.
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Why a fetch failed, in words fit for the audit log (never a secret: no headers, no body).
public struct FetchError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case refusedURL, network, timeout, status, tooLarge, tls }
    public let kind: Kind
    public let message: String
    public var description: String { message }
}

/// A response: status, the headers the callers read, the body (at most `maxBytes`).
public struct Fetched: Sendable {
    public let status: Int
    public let body: [UInt8]
    public let cacheControl: String?
    public let contentType: String?
}

public final class HTTPFetcher: Sendable {
    /// The process's one client (as HTTPClient.shared, never shut down: services come and
    /// go in tests, and a client shut down from an event loop thread would trap).
    public static let shared = HTTPFetcher()

    let client: HTTPClient
    public let maxBytes: Int
    public let timeout: Duration

    public init(maxBytes: Int = 1 << 20, connectTimeout: Duration = .seconds(5), timeout: Duration = .seconds(10)) {
        var config = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                              timeout: .init(connect: .seconds(connectTimeout.components.seconds)))
        config.decompression = .disabled
        config.timeout.read = .seconds(timeout.components.seconds)
        config.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        self.maxBytes = maxBytes
        self.timeout = timeout
    }

    /// Whether `host` is a loopback address (where plain HTTP may be used without saying so):
    /// an IPv4 address in 127.0.0.0/8, ::1, or the name localhost. Names are not resolved
    /// here, so `127.example.com` is a name like any other.
    static func isLoopback(_ host: String) -> Bool {
        let h = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if h.lowercased() == "localhost" { return true }
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, h, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        if inet_pton(AF_INET6, h, &v6) == 1 { return h.split(separator: ":").allSatisfy { $0.allSatisfy { $0 == "0" } } && h.hasSuffix("1") }
        return false
    }

    /// Checks a URL a configuration names: absolute http(s), no credentials or fragment, and
    /// plain http only to loopback unless `allowHTTP`. Returns the reason it is refused.
    public static func refusal(of url: String, allowHTTP: Bool, loopbackHTTP: Bool = true) -> String? {
        guard url.utf8.count <= 2048, let u = URLComponents(string: url), let scheme = u.scheme?.lowercased(),
              let host = u.host, !host.isEmpty else {
            return "\(url.prefix(200)) is not an absolute http(s) URL"
        }
        guard scheme == "https" || scheme == "http" else { return "\(url.prefix(200)): only https (or http to loopback) is fetched" }
        guard u.user == nil, u.password == nil else { return "\(url.prefix(200)): credentials in the URL are not accepted" }
        guard u.fragment == nil else { return "\(url.prefix(200)): a fragment has no place in this URL" }
        if scheme == "http", !allowHTTP, !(loopbackHTTP && isLoopback(host)) {
            return "\(url.prefix(200)): plain http is only used for loopback addresses (https, or allow it explicitly)"
        }
        return nil
    }

    /// The TLS settings for one request: the CA bundle given (PEM), else the system store
    /// (with `addToSystem`: the system store and the bundle).
    static func tls(caPEM: String, addToSystem: Bool = false) throws -> TLSConfiguration {
        var t = TLSConfiguration.makeClientConfiguration()
        t.minimumTLSVersion = .tlsv12
        if !caPEM.isEmpty {
            do {
                let certs = try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8))
                if addToSystem { t.additionalTrustRoots = [.certificates(certs)] } else { t.trustRoots = .certificates(certs) }
            } catch {
                throw FetchError(kind: .tls, message: "the CA certificate bundle cannot be read")
            }
        }
        return t
    }

    /// One request, answered in full within `timeout` (headers and body under one deadline:
    /// an answer that stalls halfway is a timeout, never a wait without end). `bearer` goes in
    /// an Authorization header and nowhere else.
    /// `loopbackHTTP: false` for URLs a remote document named (a discovery document's
    /// jwks_uri): plain http to loopback only when the configuration allows http at all.
    public func fetch(_ url: String, method: HTTPMethod = .GET, caPEM: String = "", caAddsToSystem: Bool = false, allowHTTP: Bool = false,
                      loopbackHTTP: Bool = true, bearer: String? = nil, jsonBody: [UInt8]? = nil) async throws -> Fetched {
        if let why = Self.refusal(of: url, allowHTTP: allowHTTP, loopbackHTTP: loopbackHTTP) { throw FetchError(kind: .refusedURL, message: why) }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.tlsConfiguration = try Self.tls(caPEM: caPEM, addToSystem: caAddsToSystem)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "vouch")
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let jsonBody {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: jsonBody))
        }
        let shown = String(url.prefix(200)), limit = timeout, prepared = request
        return try await withThrowingTaskGroup(of: Fetched?.self) { group in
            group.addTask { try await self.perform(prepared, shown: shown) }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let answer = first else {
                throw FetchError(kind: .timeout, message: "\(shown): no complete answer within \(limit.components.seconds) s")
            }
            return answer
        }
    }

    private func perform(_ request: HTTPClientRequest, shown: String) async throws -> Fetched {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(timeout.components.seconds))
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout {
            throw FetchError(kind: .timeout, message: "\(shown): no answer within \(timeout.components.seconds) s")
        } catch let e as NIOSSLError {
            throw FetchError(kind: .tls, message: "\(shown): TLS failed: \(e)")
        } catch let e as BoringSSLError {
            throw FetchError(kind: .tls, message: "\(shown): TLS failed: \(e)")
        } catch let e as NIOSSLExtraError {
            throw FetchError(kind: .tls, message: "\(shown): TLS failed: \(e)")
        } catch {
            throw FetchError(kind: .network, message: "\(shown): \(error)")
        }
        if (300..<400).contains(Int(response.status.code)) {
            throw FetchError(kind: .status, message: "\(shown) answered \(response.status.code) (redirects are not followed)")
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
            throw FetchError(kind: .tooLarge, message: "\(shown): the answer is \(length) bytes, more than \(maxBytes)")
        }
        var buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw FetchError(kind: .tooLarge, message: "\(shown): the answer is larger than \(maxBytes) bytes")
        } catch let e as HTTPClientError where e == .deadlineExceeded || e == .readTimeout {
            throw FetchError(kind: .timeout, message: "\(shown): the answer did not complete within \(timeout.components.seconds) s")
        } catch {
            throw FetchError(kind: .network, message: "\(shown): \(error)")
        }
        return Fetched(status: Int(response.status.code), body: buffer.readBytes(length: buffer.readableBytes) ?? [],
                       cacheControl: response.headers.first(name: "Cache-Control"),
                       contentType: response.headers.first(name: "Content-Type"))
    }
}
