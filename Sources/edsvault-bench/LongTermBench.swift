import EDSCrypto
import EDSVerification
import Foundation

/// Issue 3's figure: validating a CAdES-LT signature (timestamp + embedded CRLs + certValues) fully offline,
/// against validating the plain CAdES-BES signature with the same CRLs supplied by the verifier, in the same run.
struct LongTermBench {
    let options: Options
    let pki: DemoPKI

    struct Result {
        let plain: Rate
        let longTerm: Rate
        /// How many times longer one LT validation takes than one plain validation (target < 2).
        var costFactor: Double { longTerm.perSecond > 0 ? plain.perSecond / longTerm.perSecond : .infinity }
    }

    func run() throws -> Result {
        let document = Data(repeating: 0x41, count: 1024)
        let tsaCertificate = try Certificate.parseAll(try Data(contentsOf: pki.directory.appendingPathComponent("tsa.pem")))
        guard let tsaCertificate = tsaCertificate.first else { throw BenchError("no certificate in tsa.pem") }
        let tsa = TimeStampAuthority(
            certificate: tsaCertificate, key: try PrivateKey(pemOrDER: try Data(contentsOf: pki.directory.appendingPathComponent("tsa.key"))),
            chain: pki.rsa.chain)
        let signer = pki.rsa
        let crls = pki.crls.map(\.derEncoded)
        let plain = try CMSSigner.sign(.bytes(document), key: signer.privateKey, certificate: signer.certificate, chain: signer.chain)
        let longTerm = try CMSSigner.sign(.bytes(document), key: signer.privateKey, certificate: signer.certificate, chain: signer.chain) {
            signatureValue in
            let request = try TimeStampClient.request(for: signatureValue).request
            let token = try TimeStampClient.token(fromResponse: try tsa.respond(to: request))
            return [
                CMSAttribute(oid: CMSAttribute.OID.signatureTimeStampToken, values: [token]),
                CAdESEvidence.certValues([signer.certificate] + signer.chain),
                CAdESEvidence.revocationValues(crls: crls, basicOCSPResponses: []),
            ]
        }
        let plainValidator = SignatureValidator(policy: ValidationPolicy(trustAnchors: [pki.root], crls: pki.crls, offline: true))
        let longTermValidator = SignatureValidator(policy: ValidationPolicy(trustAnchors: [pki.root], offline: true))
        for (validator, signature, name) in [(plainValidator, plain, "plain"), (longTermValidator, longTerm, "CAdES-LT")] {
            let report = try validator.validate(signature: signature, document: .bytes(document))
            guard report.indication == .totalPassed, report.signatures.first?.timestamp != nil || name == "plain" else {
                throw BenchError("the \(name) signature does not validate as TOTAL_PASSED: \(report.signatures.first?.errors ?? [])")
            }
        }
        let plainRate = try measureRate(seconds: options.measureSeconds, warmup: options.warmupSeconds, chunks: 5) {
            _ = try plainValidator.validate(signature: plain, document: .bytes(document))
        }
        let longTermRate = try measureRate(seconds: options.measureSeconds, warmup: options.warmupSeconds, chunks: 5) {
            _ = try longTermValidator.validate(signature: longTerm, document: .bytes(document))
        }
        return Result(plain: plainRate, longTerm: longTermRate)
    }

    static func render(_ result: Result) -> String {
        let factor = String(format: "%.2f", result.costFactor)
        return """

            CAdES-LT offline validation (RSA-2048, timestamp + embedded CRLs + certValues) vs plain CAdES-BES with --crl:
              plain validate/s      \(String(format: "%.0f", result.plain.perSecond))
              CAdES-LT validate/s   \(String(format: "%.0f", result.longTerm.perSecond))
              LT cost factor        \(factor)x  (target < 2.00: \(result.costFactor < 2 ? "PASS" : "MISS"))
            """
    }
}
