import ArgumentParser
import EDSCrypto
import EDSVerification
import Foundation

/// `edsvault extend`: makes an existing signature long-term (CAdES-B → T → LT) by adding, per SignerInfo, what it
/// lacks: a signature timestamp, then revocation evidence and certificates for the signer's and the TSA's paths.
struct ExtendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Add a signature timestamp and revocation evidence to each signer that lacks them (CAdES-BES → CAdES-LT).",
        discussion: """
            Per SignerInfo: without a signature timestamp, one from --tsa over its signature value (RFC 3161, \
            id-aa-signatureTimeStampToken); without revocationValues, OCSP responses or CRLs for the signer's path and \
            the TSA's, with the certificates (revocationValues, certValues) - the rules of `sign --tsa --revocation`. \
            Only unsigned attributes change: signed attributes, signature values, content and certificates keep their \
            bytes, and a signer that already has what is asked keeps its exact bytes. The document is not needed.
            --trust (or $EDSVAULT_TRUST_DIR) supplies CA certificates the signature does not carry (NCALayer embeds the \
            signer's certificate alone); nothing is validated here: `verify` does that.
            Exit codes: 0 extended (or nothing to add), 64 usage (e.g. a signer without timestamp and no --tsa), \
            65 not a CMS, 66 file not found, 69 the TSA, OCSP responder or CRL server could not be reached, or their \
            evidence does not hold at the new timestamp (an OCSP response more than 5 minutes older than it, the \
            SIGEX rule, even when asked again, and no CRL covering it): no output is written; 73 the output cannot \
            be written.
            """
    )

    @Argument(help: "The signature to extend (CMS: DER, PEM or base64).")
    var signature: String

    @Option(help: "Where to write the extended signature (DER); may be the input file.")
    var out: String

    @Option(help: "RFC 3161 time-stamping authority URL, for signers without a signature timestamp.")
    var tsa: String?

    @Option(help: "Revocation evidence to embed: ocsp (signer via its OCSP responder, CAs via CRL), crl, or none (timestamp only).")
    var revocation: String = "ocsp"

    @Option(help: "A CRL file to embed instead of downloading from the certificates' distribution points; repeatable.")
    var crl: [String] = []

    @Option(help: "CA certificates (PEM or DER) to complete the signers' and the TSA's paths; repeatable. Without it: $EDSVAULT_TRUST_DIR if set.")
    var trust: [String] = []

    func run() throws {
        try reportingFailures {
            let request = try EvidenceRequest(tsa: tsa, revocation: revocation, crl: crl)
            let input = try InputFiles.read(signature, what: "signature", limit: InputLimit.signature)
            let signedData = try CMSSignedData(input)
            let anchors = try caCertificates()
            let plans = try extensionFailures { try SignatureExtension.plan(signedData, request: request, extra: anchors) }
            // Everything reachable is asked before anything is written: a TSA or responder that fails leaves no file.
            let extended = try extensionFailures { try SignatureExtension.apply(plans, to: input) }
            try InputFiles.writeAtomically(extended, to: out)
            for plan in plans {
                let added = [plan.addTimestamp ? "signature timestamp" : nil, plan.addEvidence ? "revocation evidence and certificates" : nil]
                    .compactMap { $0 }
                let what = added.isEmpty ? "already complete, kept as it was" : "added " + added.joined(separator: ", ")
                Terminal.error("signer \(plan.number) (\(plan.name)): \(what)")
            }
            Terminal.error("-> \(out)")
        }
    }

    /// `--trust` files, else `$EDSVAULT_TRUST_DIR` when set, else none: here they only complete paths.
    func caCertificates() throws -> [Certificate] {
        if !trust.isEmpty || !(ProcessInfo.processInfo.environment[TrustAnchors.environmentVariable] ?? "").isEmpty {
            return try TrustAnchors.load(trust)
        }
        return []
    }
}
