import ArgumentParser
import EDSCrypto
import EDSVault
import EDSVerification
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a CMS signature (authenticity, chain, key usage, validity and revocation at the signing moment), or a certificate alone.",
        discussion: """
            Trust: only the anchors named with --trust (repeatable), else every certificate file in $EDSVAULT_TRUST_DIR; \
            with neither, nothing is trusted and verify stops with exit 64 (a proof bundle too: it is judged against the \
            verifier's own anchors, never ones it carries).
            Exit status: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 64 usage (also: no trust anchors named), \
            65 not a CMS (or a trust anchor file that is not a certificate), 66 file not found or unreadable.
            --certificate CERT validates a certificate without a signature: its path to the anchors (through \
            --intermediate certificates), key usage, validity and revocation (--crl, else online OCSP/CRL) at --at or now.
            """
    )

    @Option(help: "The signature (CMS/PKCS#7: DER, PEM or base64).")
    var signature: String?

    @Argument(help: "The signed document, for a detached signature.")
    var file: String?

    @Option(help: "An ASiC-S proof bundle (from `vault proof`): the document and its signatures in one file; verified offline.")
    var bundle: String?

    @Option(help: "A document card (PDF, from `card`): its document and signatures are verified offline, and its attachments against its own list.")
    var card: String?


    @Option(help: "A certificate to validate alone (PEM or DER, exactly one): path, key usage, validity and revocation at --at or now.")
    var certificate: String?

    @Option(help: "An intermediate CA certificate for --certificate's path (PEM or DER, one or many per file); repeatable.")
    var intermediate: [String] = []

    @Option(help: "Validate many signatures: a file of `SIGNATURE [DOCUMENT]` lines, or a directory of X + X.cms pairs (JSON Lines out).")
    var batch: String?

    @Option(help: "Threads for --batch, 1...1024 (default: every core).")
    var jobs: Int?

    @Option(help: "A trust anchor (PEM or DER, one or many per file); repeatable. Without it: every file in $EDSVAULT_TRUST_DIR; one of the two is required.")
    var trust: [String] = []

    @Option(help: "A CRL to use as revocation evidence (DER or PEM); repeatable.")
    var crl: [String] = []

    @Option(help: "Validation time, ISO 8601 (default: now).")
    var at: String?

    @Flag(help: "No network: only what the signature carries and the files given.")
    var offline = false

    @Option(help: "Report format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Certificate policies (RFC 5280 § 6.1)")
    var certificatePolicyOptions: CertificatePolicyOptions

    @Option(help: "Language of the text report: en, ru or kk.")
    var lang: String = "en"

    mutating func validate() throws {
        if certificate != nil && (signature != nil || bundle != nil || card != nil || batch != nil || file != nil) {
            throw ValidationError("--certificate validates a certificate alone: give no --signature, --bundle, --card, --batch or FILE")
        }
        if certificate == nil && !intermediate.isEmpty {
            throw ValidationError("--intermediate applies to --certificate only (a signature carries its own certificates)")
        }
        if card != nil && (signature != nil || bundle != nil || file != nil || batch != nil) {
            throw ValidationError("--card carries the document and the signatures: give neither --signature, --bundle, --batch nor FILE")
        }
        if batch != nil && (signature != nil || bundle != nil || file != nil) {
            throw ValidationError("--batch names the signatures and documents itself: give no --signature, --bundle or FILE")
        }
        if let jobs, !(1...BatchVerification.maximumJobs).contains(jobs) || batch == nil {
            throw ValidationError(
                batch == nil ? "--jobs applies to --batch only" : "--jobs must be 1...\(BatchVerification.maximumJobs) (got \(jobs))")
        }
        if signature == nil && bundle == nil && batch == nil && card == nil && certificate == nil {
            throw ValidationError("missing --signature SIG.cms (or --bundle PROOF.asics, --card CARD.pdf, --batch LIST or --certificate CERT)")
        }
        if bundle != nil && (signature != nil || file != nil) {
            throw ValidationError("--bundle carries the document and the signature: give neither --signature nor FILE")
        }
        if ReportLanguage(rawValue: lang) == nil {
            throw ValidationError("--lang must be en, ru or kk")
        }
    }

    mutating func run() throws {
        var exitCode: Int32 = 0
        try reportingFailures {
            // First: without named anchors nothing can pass, so say so before reading any input.
            let anchors = try TrustAnchors.load(trust)
            if let certificate {
                exitCode = try verifyCertificate(certificate, anchors: anchors)
                return
            }
            if let batch {
                let items = try BatchVerification.items(from: batch)
                var policy = ValidationPolicy(
                    trustAnchors: anchors, crls: try InputFiles.crls(crl), validationTime: try at.map(DateArgument.parse),
                    offline: offline, revocationSource: offline ? nil : NetworkRevocationSource())
                policy.certificatePolicies = certificatePolicyOptions.inputs
                policy.certificateProfile = certificatePolicyOptions.profileRules
                exitCode = try BatchVerification.run(items: items, policy: policy, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount)
                return
            }
            let signatureData: Data
            let document: DocumentSource?
            var evidenceRecords: [EvidenceRecord] = []
            if card != nil {
                signatureData = Data()
                document = nil
            } else if let bundle {
                let contents: ProofBundle.Contents
                do {
                    contents = try ProofBundle.read(try InputFiles.read(bundle, what: "proof bundle", limit: InputLimit.proofBundle))
                } catch let error as VaultError {
                    throw CLIFailure(message: "\(bundle): \(error)", code: ExitStatus.dataError)
                }
                signatureData = contents.signature
                document = .bytes(contents.document)
                do {
                    evidenceRecords = try contents.evidenceRecords.map { try EvidenceRecord(derEncoded: $0) }
                } catch {
                    throw CLIFailure(message: "\(bundle): \(error)", code: ExitStatus.dataError)
                }
            } else {
                signatureData = try InputFiles.read(signature ?? "", what: "signature", limit: InputLimit.signature)
                document = try file.map(InputFiles.document)
            }
            // A bundle is an offline proof: it is judged by what it carries and the files given, never the network.
            let offline = self.offline || bundle != nil || card != nil
            let crls = try InputFiles.crls(crl)
            var policy = ValidationPolicy(
                trustAnchors: anchors, crls: crls, validationTime: try at.map(DateArgument.parse), offline: offline,
                revocationSource: offline ? nil : NetworkRevocationSource())
            policy.certificatePolicies = certificatePolicyOptions.inputs
            policy.certificateProfile = certificatePolicyOptions.profileRules
            let report: ValidationReport
            if let card {
                report = try verifyCard(card, policy: policy)
            } else {
                let signedData = try CMSSignedData(signatureData)
                if !evidenceRecords.isEmpty, case .bytes(let documentBytes) = document {
                    // The bundle's evidence records are proof of existence for the signatures they cover (RFC 4998).
                    policy.evidenceRecords = EvidenceRecordValidator.results(
                        evidenceRecords, document: documentBytes, signature: signedData, policy: policy)
                }
                report = try SignatureValidator(policy: policy).validate(signedData, document: document)
            }
            switch format {
            case .json: FileHandle.standardOutput.write(try report.jsonData() + Data("\n".utf8))
            case .text: FileHandle.standardOutput.write(Data(TextReport.render(report, language: ReportLanguage(rawValue: lang) ?? .english).utf8))
            }
            exitCode = report.exitCode
        }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}
