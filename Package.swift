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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
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
            dependencies: ["COpenSSL"],
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
        .executableTarget(
            name: "edsvault",
            dependencies: [
                "EDSVerification",
                "EDSVault",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "edsvault-bench",
            dependencies: ["EDSVerification"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EDSCryptoTests",
            dependencies: ["EDSCrypto"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EDSVerificationTests",
            dependencies: ["EDSVerification"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EDSVaultTests",
            dependencies: ["EDSVault"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["EDSVerification", "edsvault"],
            swiftSettings: swiftSettings
        ),
    ]
)
