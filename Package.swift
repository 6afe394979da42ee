// swift-tools-version:6.2
import PackageDescription

// Versions are pinned `exact:` because Package.resolved is not committed: CI resolves afresh on
// every run, and the local mirror holds more than one version of some packages.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "model-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "model-exporter", targets: ["ModelExporter"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", exact: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "4.5.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", exact: "1.5.0"),
        // FleetReplica: ships stored calls to PostgreSQL (issue 12).
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
    ],
    targets: [
        // The system libsqlite3 (Debian: libsqlite3-dev), used through its C API directly: the
        // ingest path needs prepared statements reused across 10k-row transactions.
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(
            name: "MetricsCore",
            dependencies: [
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                // Formats/: the call-log format mappings (presets and the user's) are YAML.
                .product(name: "Yams", package: "Yams"),
            ],
            // Release builds skip the run-time exclusivity checks in this module, the ingest
            // path: they were 2.4% of ingest's CPU (perf, 2026-12-04: a begin/end access per
            // row on the reader's batch, the store's label cache and the ingestor's aggregator),
            // and the Hummingbird and Vapor benchmark builds do the same. The compile-time rules
            // still hold, and debug builds, which `scripts/test` runs, keep the checks.
            swiftSettings: swiftSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Ships every stored call and quarantined line to PostgreSQL exactly once (docs/fleet.md).
        // Its own target so that MetricsCore, the ingest path, never links a network client.
        .target(
            name: "FleetReplica",
            dependencies: [
                "MetricsCore",
                "CSQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ModelExporter",
            dependencies: [
                "MetricsCore",
                "FleetReplica",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                // EndpointSecurity/: TLS, basic auth with bcrypt, and the HTTP-part handler that bounds request bodies.
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The microbenchmarks of the performance suite (scripts/bench, docs/performance.md).
        .executableTarget(
            name: "model-exporter-bench",
            dependencies: ["MetricsCore", "FleetReplica", "CSQLite", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/Sources/ModelExporterBench",
            swiftSettings: swiftSettings
        ),
        // The tests' one poll-with-a-deadline, shared by the test targets that wait on processes.
        .target(
            name: "TestPolling",
            path: "Tests/TestPolling",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MetricsCoreTests",
            dependencies: ["MetricsCore"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FleetReplicaTests",
            dependencies: [
                "FleetReplica",
                "MetricsCore",
                "TestPolling",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ModelExporterTests",
            dependencies: ["MetricsCore", "ModelExporter", "TestPolling", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
    ]
)
