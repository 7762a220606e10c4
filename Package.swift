// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "vouch",
    // Linux only: built and tested on Debian 12 (glibc) with Debian's libcrypto, libsodium,
    // jansson, nettle and SQLite. No Apple platform is claimed.
    products: [
        .executable(name: "vouch", targets: ["vouch"]),
        .library(name: "VouchCore", targets: ["VouchCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // metrics through swift-metrics, exposed by swift-prometheus
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // key sets, discovery documents and Kubernetes' TokenReview over HTTPS
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Benchmarks only: the peer verifier measured next to ours.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        // BoringSSL's P-256 (faster than Debian's OpenSSL 3.0), lent to the C core
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // persistent hash maps (TreeDictionary): a configuration snapshot shares them with the next
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // the PostgreSQL store (several nodes on one database): its client and connection pool
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // The hot path in C: OpenSSL's libcrypto, libsodium, jansson.
        .target(
            name: "CVouch",
            path: "CSupport",
            // warnings as settings the package manager allows; optimisation is the build
            // configuration's (`swift build -c release`), never forced into debug builds
            cSettings: [.enableWarning("all"), .enableWarning("extra"), .disableWarning("unused-parameter")],
            linkerSettings: [
                .linkedLibrary("crypto"), .linkedLibrary("sodium"), .linkedLibrary("jansson"),
                // nettle's P-384: twice Debian's OpenSSL 3.0
                .linkedLibrary("hogweed"), .linkedLibrary("nettle"), .linkedLibrary("gmp"),
            ]
        ),
        // The thin Swift API over it: owns every C object, no C pointer escapes.
        .target(
            name: "VouchCore",
            dependencies: ["CVouch", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/VouchCore"),
        // Debian's SQLite (libsqlite3-dev) for the embedded store.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        // The domain, with no HTTP: identities, auth methods, logins, tokens, storage, audit.
        .target(
            name: "VouchService",
            dependencies: [
                "VouchCore", "CSQLite", .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Sources/VouchService"),
        // The HTTP front (Hummingbird): routes per API area, mTLS listener, proxy-header intake.
        .target(
            name: "VouchHTTP",
            dependencies: [
                "VouchService", "COpenAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/VouchHTTP"
        ),
        // The OpenAPI document, compiled into the binary (no bundle to lose) by C's #embed.
        .target(name: "COpenAPI", path: "Sources/COpenAPI", exclude: ["openapi.json"]),
        .executableTarget(
            name: "vouch",
            dependencies: [
                "VouchCore", "VouchService", "VouchHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                // `vouch login` and `vouch ssh issue-credentials` talk to a server (mTLS for cert logins)
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/vouch"
        ),
        // Raw-primitive baselines and OpenSSL peers for the benchmarks, in C.
        .target(
            name: "CVouchBench",
            path: "Benchmarks/CVouchBench",
            linkerSettings: [
                .linkedLibrary("crypto"), .linkedLibrary("sodium"), .linkedLibrary("hogweed"), .linkedLibrary("nettle"),
                .linkedLibrary("gmp"),
            ]
        ),
        .executableTarget(
            name: "vouch-bench",
            dependencies: [
                "VouchCore", "VouchService", "CVouchBench",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/VouchBench"
        ),
        // Test PKIs made with the openssl CLI, shared by the test targets.
        .target(name: "VouchTestSupport", path: "Tests/VouchTestSupport"),
        .testTarget(name: "VouchCoreTests", dependencies: ["VouchCore", "VouchTestSupport"], path: "Tests/VouchCoreTests"),
        .testTarget(
            name: "VouchServiceTests", dependencies: ["VouchService", "VouchCore", "VouchTestSupport"],
            path: "Tests/VouchServiceTests"),
        .testTarget(
            name: "VouchHTTPTests", dependencies: ["VouchHTTP", "VouchService", "VouchTestSupport"], path: "Tests/VouchHTTPTests"),
    ]
)
