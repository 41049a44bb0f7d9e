import EDSVerification
import Testing

@testable import EDSVault

@Suite struct DocumentModelTests {
    @Test func requirementsParseOwnerIINsAndEmployerRoles() throws {
        let owner = "900315301237"
        #expect(try SignerRequirement(parsing: "owner", ownerIIN: owner) == .person(iin: owner))
        #expect(try SignerRequirement(parsing: "iin:780209303213", ownerIIN: owner) == .person(iin: "780209303213"))
        #expect(try SignerRequirement(parsing: "first-head", ownerIIN: owner) == .employerRole(.firstHead))
        #expect(try SignerRequirement(parsing: "HR", ownerIIN: owner) == .employerRole(.hr))
        #expect(try SignerRequirement(parsing: "financial", ownerIIN: owner) == .employerRole(.financialSignature))
        #expect(throws: VaultError.self) { try SignerRequirement(parsing: "boss", ownerIIN: owner) }
        #expect(throws: VaultError.self) { try SignerRequirement(parsing: "iin:12345", ownerIIN: owner) }
    }

    @Test func principalsAreIINOrBIN() throws {
        #expect(try Principal(parsing: "iin:900315301237") == .individual(iin: "900315301237"))
        #expect(try Principal(parsing: "bin:150640123452") == .employer(bin: "150640123452"))
        #expect(throws: VaultError.self) { try Principal(parsing: "900315301237") }
        #expect(throws: VaultError.self) { try Principal(parsing: "iin:9003") }
    }

    @Test func documentTypesAcceptSpelledForms() {
        #expect(DocumentType(name: "employment contract") == .employmentContract)
        #expect(DocumentType(name: "order-dismissal") == .dismissalOrder)
        #expect(DocumentType(name: "consent") == .personalDataConsent)
        #expect(DocumentType(name: "memo") == nil)
    }
}
