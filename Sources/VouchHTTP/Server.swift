// Server.swift: the HTTP application: routes per API area, middleware, the listener
// (plain, or TLS asking for client certificates), graceful shutdown on SIGTERM/SIGINT.
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import VouchService

public enum VouchServer {
    /// The OpenAPI document served at /openapi.json.
    public static var openAPIDocument: String { OpenAPIDocument.json }

    /// Every route the server serves, for the OpenAPI check.
    public static func routes(vouch: Vouch, settings: ServerSettings) -> [Route] {
        table(vouch: vouch, settings: settings, logger: Logger(label: "vouch")).routes
    }

    static func table(vouch: Vouch, settings: ServerSettings, logger: Logger) -> RouteTable {
        let router = Router(context: VouchContext.self)
        router.add(middleware: MetricsMiddleware(metrics: vouch.metrics, logger: logger))
        router.add(middleware: ErrorMiddleware(logger: logger, metrics: vouch.metrics))
        router.add(middleware: ACLMiddleware(vouch: vouch, settings: settings))
        let table = RouteTable(router: router)
        table.addSystemRoutes(vouch: vouch)
        table.addIdentityRoutes(vouch: vouch, settings: settings)
        table.addTLSCertAuthRoutes(vouch: vouch, settings: settings)
        table.addTokenRoutes(vouch: vouch, settings: settings)
        table.addVaultCertRoutes(vouch: vouch, settings: settings)
        table.addVaultTokenRoutes(vouch: vouch, settings: settings)
        table.addJWTAuthRoutes(vouch: vouch, settings: settings)
        table.addKubernetesAuthRoutes(vouch: vouch, settings: settings)
        table.addVaultAuthMountRoutes(vouch: vouch, settings: settings)
        table.addVaultSSHRoutes(vouch: vouch, settings: settings)
        table.addInfisicalSSHRoutes(vouch: vouch, settings: settings)
        table.addVaultPolicyRoutes(vouch: vouch, settings: settings)
        return table
    }

    /// Serves until SIGTERM or SIGINT; `onListening` gets the bound port.
    public static func run(vouch: Vouch, settings: ServerSettings, logger: Logger,
                           onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let tls = try settings.tlsCertificate.map { cert in
            guard let key = settings.tlsKey else {
                throw ServiceError.badRequest("tls", "--tls-cert needs --tls-key")
            }
            return try serverTLS(certificate: cert, key: key)
        }
        if tls == nil, settings.tlsKey != nil { throw ServiceError.badRequest("tls", "--tls-key needs --tls-cert") }
        let router = table(vouch: vouch, settings: settings, logger: logger).router
        let app = Application(
            router: router, server: try .vouch(tls: tls, metrics: vouch.metrics, logger: logger),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "vouch"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? settings.port) },
            logger: logger)
        let maintenance = Maintenance(vouch: vouch, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: app), .init(service: maintenance),
                // returns at once on a store no other node writes: that ends nothing else
                .init(service: ConfigFollower(vouch: vouch), successTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer {
            vouch.audit.flush()
            LineWriter.standardError.flush()
        }
        try await group.run()
        await vouch.store.shutdown()
    }
}

/// On a shared database: the configuration changes other nodes make, followed until shutdown.
struct ConfigFollower: Service {
    let vouch: Vouch

    func run() async throws {
        await cancelWhenGracefulShutdown { await vouch.followConfiguration() }
    }
}

/// Drops tokens past their max TTL once an hour.
struct Maintenance: Service {
    let vouch: Vouch
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if let n = try? await vouch.store.purgeExpiredTokens(now: vouch.clock()), n > 0 {
                logger.info("purged expired tokens", metadata: ["count": .stringConvertible(n)])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
