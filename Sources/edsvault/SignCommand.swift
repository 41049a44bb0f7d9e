import ArgumentParser
import EDSCrypto
import EDSVerification
import Foundation

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a document with an NCA-style .p12 key (CMS, CAdES-BES; detached by default)."
    )

    @Argument(help: "The document to sign.")
    var file: String

    @Option(help: "The signer's PKCS#12 key file (.p12), as the certification centre issued it.")
    var key: String

    @OptionGroup var passwords: PasswordOptions

    @Option(help: "Where to write the signature (default: FILE.cms).")
    var out: String?

    @Flag(help: "Embed the document in the signature instead of a detached signature.")
    var attached = false

    @Option(name: .customLong("add-to"), help: "Add this signer to an existing signature; earlier signers stay byte-identical.")
    var addTo: String?

    @OptionGroup var evidence: SigningEvidenceOptions

    @Option(help: "Digest algorithm: sha256 (default), sha384, sha512.")
    var digest = "sha256"

    mutating func run() throws {
        try reportingFailures {
            guard let digestAlgorithm = DigestAlgorithm(name: digest), !digestAlgorithm.isBroken else {
                throw CLIFailure(message: "--digest must be sha256, sha384 or sha512", code: ExitStatus.usage)
            }
            if attached && addTo != nil {
                throw CLIFailure(message: "--attached and --add-to cannot be combined: the existing signature decides", code: ExitStatus.usage)
            }
            let document = try InputFiles.document(file)
            let existing = try addTo.map { try InputFiles.read($0, what: "signature", limit: InputLimit.signature) }
            let bundle = try passwords.openKey(key)
            let parameters = CMSSignerParameters(digest: digestAlgorithm, attached: attached)
            let unsignedAttributes = try evidence.unsignedAttributes(for: bundle)
            let signature = try extensionFailures {
                try DocumentSigner.sign(
                    document, with: bundle, existing: existing, parameters: parameters, unsignedAttributes: unsignedAttributes)
            }
            let destination = out ?? addTo ?? file + ".cms"
            try InputFiles.writeAtomically(signature, to: destination)
            let identity = KazakhIdentity(certificate: bundle.certificate)
            let who = [identity.fullName, identity.iin.map { "IIN \($0)" }].compactMap { $0 }.joined(separator: ", ")
            Terminal.error("signed by \(who) -> \(destination)")
        }
    }
}
