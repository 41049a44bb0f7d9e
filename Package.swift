// swift-tools-version:6.0
import PackageDescription

// One set of settings for every Swift target (as Hummingbird does).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "EDSVault",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "edsvault", targets: ["edsvault"]),
        .library(name: "EDSCrypto", targets: ["EDSCrypto"]),
        .library(name: "EDSVerification", targets: ["EDSVerification"]),
        .library(name: "EDSVault", targets: ["EDSVault"]),
        .library(name: "EDSCard", targets: ["EDSCard"]),
        // For the fuzz package (Fuzz/), which reaches the upload parser through an SPI; not a supported API.
        .library(name: "EDSServer", targets: ["EDSServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // The one parsing layer for untrusted ASN.1 (EDSCrypto only): DER/BER with explicit limits.
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        // The verification service (EDSServer) only: the libraries above never link these.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        // The service's connection guard (per-address cap, request deadline) sees the HTTP parts Hummingbird's
        // channel decodes (already in the graph through Hummingbird).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        // The PostgreSQL vault index (EDSVaultPostgres) only: EDSVault itself never links it.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // TLS to the PostgreSQL server (already in the graph through postgres-nio).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // OpenSSL 3 from the system (Debian: libssl-dev) plus a shim header for the macros Swift cannot import.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "EDSCrypto",
            dependencies: ["COpenSSL", .product(name: "SwiftASN1", package: "swift-asn1")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EDSVerification",
            dependencies: ["EDSCrypto"],
            swiftSettings: swiftSettings
        ),
        // The library the HR service links: store, index, access policy, audit, erasure. No server dependencies.
        .target(
            name: "EDSVault",
            dependencies: [
                "EDSVerification",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
        // The vault index in a PostgreSQL server, for installations that outgrow one machine.
        .target(
            name: "EDSVaultPostgres",
            dependencies: [
                "EDSVault",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "edsvault",
            dependencies: [
                "EDSVerification",
                "EDSVault",
                "EDSVaultPostgres",
                "EDSServer",
                "EDSCard",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // libqrencode (Debian: libqrencode-dev) for the proof page's QR code.
        .systemLibrary(
            name: "CQRencode",
            pkgConfig: "libqrencode",
            providers: [.apt(["libqrencode-dev"])]
        ),
        // libharu (Debian: libhpdf-dev) for the document card's pages.
        .systemLibrary(
            name: "CHaru",
            providers: [.apt(["libhpdf-dev"])]
        ),
        // qpdf (Debian: libqpdf-dev) behind a small C interface: the card's embedded files, a PDF original's pages, reading.
        .target(
            name: "CCardPDF",
            linkerSettings: [.linkedLibrary("qpdf")]
        ),
        // The document card (SIGEX DDC style): a PDF carrying the document and each signature, with pages for people.
        .target(
            name: "EDSCard",
            dependencies: ["EDSCrypto", "EDSVerification", "CHaru", "CCardPDF", "CQRencode"],
            swiftSettings: swiftSettings
        ),
        // The verification service: Hummingbird 2 routes, multipart upload, proof pages, QR codes.
        .target(
            name: "EDSServer",
            dependencies: [
                "EDSVerification",
                // The vault API (/api/v1/vault): routes over the library's authenticated principals and access rules.
                "EDSVault",
                "EDSCard",
                "CQRencode",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                // `serve --tls-cert/--tls-key` (and client certificates): TLS from swift-nio-ssl, already in the graph.
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Service throughput against in-process validation; its own client on NIO (no extra HTTP client package).
        .executableTarget(
            name: "edsvault-service-bench",
            dependencies: [
                "EDSServer",
                "EDSVault",
                "EDSVerification",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "edsvault-vault-bench",
            dependencies: [
                "EDSVault",
                // The PostgreSQL index beside SQLite in the same run, and the loader's own connection (COPY).
                "EDSVaultPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Makes the DEMO-ONLY GOST PKI under Certs/ (Certs/make-gost-demo-pki.sh): the OpenSSL CLI cannot.
        .executableTarget(
            name: "edsvault-demo-pki",
            dependencies: ["EDSCrypto"],
            swiftSettings: swiftSettings
        ),
        // The document card's cost against in-process validation and qpdf's CLI (Docs/card.md).
        .executableTarget(
            name: "edsvault-card-bench",
            dependencies: ["EDSCard", "EDSCrypto", "EDSVerification"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "edsvault-bench",
            dependencies: ["EDSVerification"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EDSCryptoTests",
            dependencies: ["EDSCrypto", .product(name: "SwiftASN1", package: "swift-asn1")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EDSVerificationTests",
            dependencies: ["EDSVerification"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EDSVaultTests",
            dependencies: ["EDSVault", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EDSVaultPostgresTests",
            dependencies: [
                "EDSVaultPostgres",
                "EDSVault",
                "EDSCrypto",
                "EDSVerification",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EDSServerTests",
            dependencies: [
                "EDSServer",
                "EDSVault",
                "EDSVerification",
                "edsvault",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EDSCardTests",
            dependencies: ["EDSCard", "EDSCrypto", "EDSVerification"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["EDSVerification", "edsvault"],
            swiftSettings: swiftSettings
        ),
    ]
)
