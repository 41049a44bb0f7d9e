// swift-tools-version:6.0
import Foundation
import PackageDescription

// libFuzzer targets for every parser of untrusted bytes (issue 10). Built apart from the root package, in their own
// scratch path, with `-sanitize=fuzzer,address`: see .ci/fuzz and Docs/fuzzing.md. Nothing here ships.

// The root package by path; its identity is its folder's name, whatever the checkout is called.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzMain"] + products.map { .product(name: $0, package: rootIdentity) },
        path: "Targets/\(name)",
        // libFuzzer supplies main().
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    )
}

let package = Package(
    name: "EDSVaultFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: root.path)],
    targets: [
        .target(name: "FuzzMain", path: "Targets/FuzzMain"),
        fuzzTarget("fuzz-cms", ["EDSCrypto"]),
        fuzzTarget("fuzz-certificate", ["EDSCrypto"]),
        fuzzTarget("fuzz-crl", ["EDSCrypto"]),
        fuzzTarget("fuzz-ocsp", ["EDSCrypto"]),
        fuzzTarget("fuzz-pkcs12", ["EDSCrypto"]),
        fuzzTarget("fuzz-asic", ["EDSVault"]),
        fuzzTarget("fuzz-multipart", ["EDSServer"]),
        fuzzTarget("fuzz-card", ["EDSCard"]),
        fuzzTarget("fuzz-vault-json", ["EDSServer"]),
    ]
)
