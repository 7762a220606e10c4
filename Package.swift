// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "vouch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vouch", targets: ["vouch"]),
        .library(name: "VouchCore", targets: ["VouchCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // Benchmarks only: the peer verifier measured next to ours.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
    ],
    targets: [
        // The hot path in C: OpenSSL's libcrypto, libsodium, jansson.
        .target(
            name: "CVouch",
            path: "CSupport",
            cSettings: [.unsafeFlags(["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"])],
            linkerSettings: [.linkedLibrary("crypto"), .linkedLibrary("sodium"), .linkedLibrary("jansson")]
        ),
        // The thin Swift API over it: owns every C object, no C pointer escapes.
        .target(name: "VouchCore", dependencies: ["CVouch"], path: "Sources/VouchCore"),
        // Debian's SQLite (libsqlite3-dev) for the embedded store.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        // The domain, with no HTTP: identities, auth methods, logins, tokens, storage, audit.
        .target(name: "VouchService", dependencies: ["VouchCore", "CSQLite"], path: "Sources/VouchService"),
        .executableTarget(
            name: "vouch",
            dependencies: ["VouchCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/vouch"
        ),
        // Raw-primitive baselines and OpenSSL peers for the benchmarks, in C.
        .target(
            name: "CVouchBench",
            path: "Benchmarks/CVouchBench",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("crypto"), .linkedLibrary("sodium")]
        ),
        .executableTarget(
            name: "vouch-bench",
            dependencies: [
                "VouchCore", "CVouchBench",
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Benchmarks/VouchBench"
        ),
        // Test PKIs made with the openssl CLI, shared by the test targets.
        .target(name: "VouchTestSupport", path: "Tests/VouchTestSupport"),
        .testTarget(name: "VouchCoreTests", dependencies: ["VouchCore", "VouchTestSupport"], path: "Tests/VouchCoreTests"),
        .testTarget(
            name: "VouchServiceTests", dependencies: ["VouchService", "VouchCore", "VouchTestSupport"],
            path: "Tests/VouchServiceTests"),
    ]
)
