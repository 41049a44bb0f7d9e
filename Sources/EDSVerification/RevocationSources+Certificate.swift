import EDSCrypto
import Foundation

// The revocation evidence of a certificate validated alone (`CertificateValidator`): no SignedData and no CAdES
// values, only what the verifier supplies (`--crl`) and, online, what the certificates' AIA and distribution points
// give. The same sources and the same rules as for a signer's path (`RevocationSources`, `RevocationEvaluation`).

extension RevocationSources {
    /// `certificates`: the ones the caller gave beside the certificate (its intermediates), among which an OCSP
    /// responder's certificate may be.
    convenience init(certificates: [Certificate], policy: ValidationPolicy) {
        self.init(
            signedData: CMSSignedData.noSignedData, signedDataCertificates: certificates,
            embedded: EmbeddedEvidence(certificates: [], crls: [], basicOCSPResponses: []), policy: policy)
    }
}

extension CMSSignedData {
    /// A SignedData with no certificates, CRLs or signers (version 1, id-data content type, nothing encapsulated):
    /// what `RevocationSources` reads embedded CRLs from when there is no signature. Parsed once.
    static let noSignedData: CMSSignedData = {
        let der: [UInt8] = [
            0x30, 0x23,  // ContentInfo
            0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02,  // id-signedData
            0xA0, 0x16, 0x30, 0x14,  // [0] SignedData
            0x02, 0x01, 0x01,  // version 1
            0x31, 0x00,  // digestAlgorithms
            0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01,  // encapContentInfo: id-data
            0x31, 0x00,  // signerInfos
        ]
        do {
            return try CMSSignedData(Data(der))
        } catch {
            // A constant: CertificateValidatorTests parse it on every run.
            preconditionFailure("the empty SignedData constant does not parse: \(error)")
        }
    }()
}
