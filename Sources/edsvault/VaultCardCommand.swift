import ArgumentParser
import EDSCard
import EDSCrypto
import EDSServer
import EDSVault
import EDSVerification
import Foundation

/// `edsvault vault card`: the document card of a vault document, as its owner or employer may read it.
struct VaultCardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Write the document card (PDF) of a vault document: the document, each signature, a page per signature.")

    @OptionGroup var vault: VaultLocation

    @Argument(help: "The document id (SHA-256 hex).")
    var document: String

    @Option(name: .customLong("as"), help: "Who reads: iin:IIN or bin:BIN.")
    var principal: Principal

    @Option(help: "Where to write the card (PDF).")
    var out: String

    @Option(help: "Language of the pages: kk, ru or kk-ru (both side by side).")
    var lang: String = CardLanguage.kazakhRussian.rawValue

    mutating func validate() throws {
        if CardLanguage(rawValue: lang) == nil { throw ValidationError("--lang must be kk, ru or kk-ru") }
    }

    mutating func run() throws {
        try reportingFailures {
            let material = try vaultFailures { try vault.open().cardMaterial(for: document, as: principal) }
            let card = try VaultCardCommand.card(for: material, language: CardLanguage(rawValue: lang) ?? .kazakhRussian, proofURL: nil)
            try InputFiles.writeAtomically(card, to: out, private: true)
            Terminal.error("\(material.document.metadata.title): document card -> \(out)")
        }
    }

    static func card(for material: VaultCardMaterial, language: CardLanguage, proofURL: String?) throws -> Data {
        var request = CardRequest(
            document: material.bytes, fileName: material.document.metadata.fileName, title: material.document.metadata.title,
            signatures: material.signatures.map { $0.cms }, language: language, proofURL: proofURL)
        request.acknowledgements = material.acknowledgements.map {
            CardAcknowledgement(maskedIIN: AcknowledgementLine(iin: $0.iin, acknowledgedAt: nil).maskedIIN, acknowledgedAt: $0.acknowledgedAt)
        }
        return try cardFailures {
            try DocumentCard.make(request) { cms, source in
                try material.signatures[source].validator.validate(signature: cms, document: .bytes(material.bytes))
            }
        }
    }
}
