@_spi(Fuzzing) import EDSVault
import Foundation

/// The vault API's JSON bodies and header values as the routes read them, for the fuzz target `fuzz-vault-json`
/// (Fuzz/, Docs/fuzzing.md). Not a supported API. The first byte of the input chooses the reader; the rest is the body.
@_spi(Fuzzing) public enum VaultAPIFuzzing {
    public static func parse(_ input: Data) {
        guard let selector = input.first else { return }
        let body = input.dropFirst()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        switch selector % 8 {
        case 0:
            // The `metadata` part of a put, through to the vault's own validation of IINs, BIN and requirements.
            if let input = try? decoder.decode(DocumentMetadataInput.self, from: body), let metadata = try? input.metadata(uploadedName: "x") {
                _ = try? Vault.validated(publicly: metadata)
            }
        case 1: _ = (try? decoder.decode(DocumentQuery.self, from: body)).map { try? $0.validated() }
        case 2: _ = try? decoder.decode(LinkInput.self, from: body)
        case 3: _ = try? decoder.decode(ErasureInput.self, from: body)
        case 4: _ = try? decoder.decode(SubjectInput.self, from: body)
        case 5: _ = try? decoder.decode(SignInInput.self, from: body)
        case 6:
            let text = String(decoding: body, as: UTF8.self)
            for size in [0, 1, 1000, Int(Int32.max)] { _ = ByteRange(header: text, size: size) }
        default:
            // A bearer value's shape (the part read before any lookup).
            _ = Vault.apiKeyShape(String(decoding: body, as: UTF8.self))
        }
    }
}
