import ArgumentParser
import EDSCrypto
import EDSVerification
import Foundation

/// What `sign` and `vault sign` embed besides the signature: a signature timestamp (CAdES-T) and revocation
/// evidence with the certificates (CAdES-LT).
struct SigningEvidenceOptions: ParsableArguments {
    @Option(help: "RFC 3161 time-stamping authority URL: embeds a signature timestamp (CAdES-T).")
    var tsa: String?

    @Option(help: "Embed revocation evidence for offline verification (CAdES-LT): ocsp (signer via its OCSP responder, CAs via CRL), crl, or none.")
    var revocation: String = "none"

    @Option(help: "With --revocation: a CRL file to embed instead of downloading from the certificates' distribution points; repeatable.")
    var crl: [String] = []

    /// The unsigned attributes to add once the signature value exists, or nil when nothing is asked for.
    func unsignedAttributes(for bundle: PKCS12Bundle) throws -> CMSSigner.UnsignedAttributeProvider? {
        let request = try EvidenceRequest(tsa: tsa, revocation: revocation, crl: crl)
        return try extensionFailures { try request.provider(path: [bundle.certificate] + bundle.chain) }
    }
}

extension EvidenceRequest {
    /// From the options `--tsa`, `--revocation ocsp|crl|none` and `--crl` (exit 64 when they do not fit together).
    init(tsa: String?, revocation: String, crl: [String]) throws {
        let mode: RevocationEvidence.Mode?
        switch revocation {
        case "none":
            guard crl.isEmpty else { throw CLIFailure(message: "--crl needs --revocation crl or ocsp", code: ExitStatus.usage) }
            mode = nil
        case "crl": mode = .crl
        case "ocsp": mode = .ocsp
        default: throw CLIFailure(message: "--revocation must be crl, ocsp or none", code: ExitStatus.usage)
        }
        self.init(tsa: tsa, mode: mode, crlFiles: try InputFiles.crls(crl).map(\.derEncoded))
    }
}

/// The library's extension errors as one line and the documented exit code (64 what was asked, 65 the signature,
/// 69 evidence that does not hold yet: try later).
func extensionFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as SignatureExtensionError {
        let code: Int32
        switch error.kind {
        case .request: code = ExitStatus.usage
        case .signature: code = ExitStatus.dataError
        case .evidence: code = ExitStatus.unavailable
        }
        throw CLIFailure(message: error.description, code: code)
    }
}
