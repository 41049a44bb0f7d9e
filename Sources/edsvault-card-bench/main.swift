// edsvault-card-bench: the document card's cost (Docs/card.md), as ratios against referees run in the same invocation:
// the in-process validation of the same signatures (work a card cannot avoid) and qpdf's own CLI rewriting the same
// PDF. Run from the repository root: swift run -c release edsvault-card-bench [--iterations N]
import EDSCard
import EDSCrypto
import EDSVerification
import Foundation

struct BenchError: Error, CustomStringConvertible {
    let description: String
}

let root = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
func certs(_ path: String) throws -> Data { try Data(contentsOf: root.appendingPathComponent("Certs").appendingPathComponent(path)) }

/// Median wall time of `body` in milliseconds, after one warm-up run.
func median(_ iterations: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<iterations {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[times.count / 2]
}

@discardableResult
func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

func main() throws {
    let arguments = CommandLine.arguments
    let iterations = arguments.firstIndex(of: "--iterations").flatMap { Int(arguments[$0 + 1]) } ?? 15
    let loadAverage = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).map { $0.split(separator: " ").prefix(3).joined(separator: " ") } ?? "?"
    let password = "Demo-2026!"
    let policy = ValidationPolicy(
        trustAnchors: try Certificate.parseAll(try certs("trust/root.pem")),
        crls: [try CertificateRevocationList(try certs("crl/nca_demo.crl")), try CertificateRevocationList(try certs("crl/root.crl"))],
        offline: true)
    let validator = SignatureValidator(policy: policy)
    func sign(_ document: Data, _ key: String, _ at: Date) throws -> Data {
        let bundle = try PKCS12Bundle.open(try certs("\(key).p12"), password: password)
        return try CMSSigner.sign(
            .bytes(document), key: bundle.privateKey, certificate: bundle.certificate, chain: bundle.chain,
            parameters: CMSSignerParameters(signingTime: at))
    }
    func makeCard(_ document: Data, name: String, _ signatures: [Data]) throws -> Data {
        try DocumentCard.make(CardRequest(document: document, fileName: name, signatures: signatures)) { cms, _ in
            try validator.validate(signature: cms, document: .bytes(document))
        }
    }
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("edsvault-card-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }

    // The demo order (.ci/demo) signed by the employee and the first head.
    let order = Data("ТОО «ДЕМО ҚҰРЫЛЫС», БИН 150640123452\nБҰЙРЫҚ / ПРИКАЗ № 17-К\nҚасымов Әлихан Серікұлы инженер лауазымына қабылдансын.\n".utf8)
    let now = Date()
    let orderSignatures = [try sign(order, "employee", now.addingTimeInterval(-60)), try sign(order, "head", now)]
    let orderCard = try makeCard(order, name: "order-17-K.txt", orderSignatures)

    // A 100-page PDF original: the order card's pages, repeated by qpdf.
    let orderCardURL = scratch.appendingPathComponent("order-card.pdf")
    try orderCard.write(to: orderCardURL)
    let repeatedURL = scratch.appendingPathComponent("repeated.pdf")
    let bigURL = scratch.appendingPathComponent("original-100.pdf")
    guard try run("qpdf", ["--empty", "--pages"] + Array(repeating: [orderCardURL.path, "1-z"], count: 100).flatMap { $0 } + ["--", repeatedURL.path]) == 0,
        try run("qpdf", ["--empty", "--pages", repeatedURL.path, "1-100", "--", bigURL.path]) == 0
    else { throw BenchError(description: "qpdf could not make the 100-page original") }
    let big = try Data(contentsOf: bigURL)
    let bigSignatures = [try sign(big, "employee", now.addingTimeInterval(-60)), try sign(big, "head", now)]
    let bigCard = try makeCard(big, name: "original-100.pdf", bigSignatures)
    let bigCardURL = scratch.appendingPathComponent("card-100.pdf")
    try bigCard.write(to: bigCardURL)

    let validateOrder = try median(iterations) { for signature in orderSignatures { _ = try validator.validate(signature: signature, document: .bytes(order)) } }
    let cardOrder = try median(iterations) { _ = try makeCard(order, name: "order-17-K.txt", orderSignatures) }
    let verifyOrder = try median(iterations) { _ = try CardVerifier.verify(orderCard, validator: validator) }
    let validateBig = try median(iterations) { for signature in bigSignatures { _ = try validator.validate(signature: signature, document: .bytes(big)) } }
    let cardBig = try median(iterations) { _ = try makeCard(big, name: "original-100.pdf", bigSignatures) }
    let verifyBig = try median(iterations) { _ = try CardVerifier.verify(bigCard, validator: validator) }
    let qpdfBig = try median(iterations) { try run("qpdf", [bigCardURL.path, scratch.appendingPathComponent("rewritten.pdf").path]) }

    func row(_ name: String, _ value: Double, _ referee: Double, _ refereeName: String) -> String {
        "| \(name) | \(String(format: "%.1f", value)) ms | \(refereeName) \(String(format: "%.1f", referee)) ms | \(String(format: "%.2f", value / referee)) |"
    }
    print("edsvault-card-bench: median of \(iterations) runs, load average \(loadAverage)")
    print("| operation | EDS Vault | referee (same run) | ratio |")
    print("|---|---|---|---|")
    print(row("card, demo order (2 signatures, \(orderCard.count) bytes)", cardOrder, validateOrder, "validating the 2 signatures"))
    print(row("verify --card, demo order", verifyOrder, validateOrder, "validating the 2 signatures"))
    print(row("card, 100-page PDF original (2 signatures, \(bigCard.count) bytes)", cardBig, validateBig, "validating the 2 signatures"))
    print(row("verify --card, 100-page original", verifyBig, validateBig, "validating the 2 signatures"))
    print(row("card, 100-page PDF original", cardBig, qpdfBig, "qpdf CLI rewriting that card"))
}

do {
    try main()
} catch {
    FileHandle.standardError.write(Data("edsvault-card-bench: \(error)\n".utf8))
    exit(1)
}
