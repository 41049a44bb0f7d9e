internal import COpenSSL
import Foundation

/// CMS SignedData with a GOST 34.310 signer (RFC 5652 § 5 with CAdES-BES attributes), assembled here because
/// OpenSSL's CMS_sign cannot use a key it cannot decode.
///
/// The SignerInfo is what Kalkan makes: version 1, issuerAndSerialNumber, digestAlgorithm the GOST hash OID,
/// signed attributes contentType, signingTime, messageDigest, signingCertificateV2 (RFC 5035, SHA-256 ESSCertIDv2)
/// in DER SET OF order, signatureAlgorithm the GOST signature OID, signature r ‖ s little-endian.
enum GOSTCMSSigner {
    static func sign(
        _ document: DocumentSource, key: GOSTPrivateKey, certificate: Certificate, chain: [Certificate],
        parameters: CMSSignerParameters, unsignedAttributes: CMSSigner.UnsignedAttributeProvider?
    ) throws -> Data {
        guard key.matches(certificate) else { throw CryptoError(.refused, "the private key does not belong to the certificate") }
        let digestAlgorithm = key.algorithm.digest
        if let reason = digestAlgorithm.unavailableReason { throw CryptoError(.unsupportedAlgorithm, reason) }
        let content: Data? = parameters.attached ? try document.readAll() : nil
        let messageDigest: Data
        if let content {
            messageDigest = try Digest.hash(content, algorithm: digestAlgorithm)
        } else {
            guard let digest = try document.digests([digestAlgorithm]).digests[digestAlgorithm] else {
                throw CryptoError(.unsupportedAlgorithm, "cannot compute \(digestAlgorithm.rawValue)")
            }
            messageDigest = digest
        }
        let signerInfo = try makeSignerInfo(
            messageDigest: messageDigest, key: key, certificate: certificate, parameters: parameters, unsignedAttributes: unsignedAttributes)
        var certificates = [certificate]
        for extra in chain where !certificates.contains(extra) { certificates.append(extra) }
        // SignedData (RFC 5652 § 5.1); version 1: issuerAndSerialNumber, id-data content, no other choices.
        var encapsulated = [GOSTDER.oid(CMSAttribute.OID.data)]
        if let content { encapsulated.append(GOSTDER.encode(0xa0, GOSTDER.octetString([UInt8](content)))) }
        let signedData = GOSTDER.sequence([
            GOSTDER.integer(1),
            GOSTDER.setOf([GOSTDER.algorithm(digestAlgorithm.oid)]),
            GOSTDER.sequence(encapsulated),
            GOSTDER.encode(0xa0, certificates.flatMap { [UInt8]($0.derEncoded) }),
            GOSTDER.setOf([signerInfo]),
        ])
        return Data(GOSTDER.sequence([GOSTDER.oid(CMSAttribute.OID.signedData), GOSTDER.encode(0xa0, signedData)]))
    }

    /// `existing` with one more (GOST) signer, through CMSCombiner so every earlier SignerInfo keeps its bytes.
    static func addSigner(
        to existing: Data, document: DocumentSource?, key: GOSTPrivateKey, certificate: Certificate, chain: [Certificate],
        parameters: CMSSignerParameters, unsignedAttributes: CMSSigner.UnsignedAttributeProvider?
    ) throws -> Data {
        let original = try CMSSignedData(existing)
        guard original.isDetached else {
            throw CryptoError(.refused, "a GOST signer can be added to a detached signature only; this one embeds the document")
        }
        guard let document else { throw CryptoError(.refused, "the existing signature is detached: the document is needed to add a signer") }
        let algorithms = Set(original.signers.compactMap(\.digestAlgorithm)).union([key.algorithm.digest])
        let digests = try document.digests(algorithms).digests
        for signer in original.signers {
            guard let algorithm = signer.digestAlgorithm, let claimed = signer.messageDigest, let computed = digests[algorithm] else { continue }
            guard computed == claimed else {
                throw CryptoError(.refused, "the existing signature was made over a different document (signer \(signer.index + 1)'s messageDigest does not match)")
            }
        }
        var detached = parameters
        detached.attached = false
        let added = try sign(document, key: key, certificate: certificate, chain: chain, parameters: detached, unsignedAttributes: unsignedAttributes)
        return try CMSCombiner.combineDetached([original.encoded, added])
    }

    private static func makeSignerInfo(
        messageDigest: Data, key: GOSTPrivateKey, certificate: Certificate, parameters: CMSSignerParameters,
        unsignedAttributes: CMSSigner.UnsignedAttributeProvider?
    ) throws -> [UInt8] {
        var attributes = [
            attribute(CMSAttribute.OID.contentType, GOSTDER.oid(CMSAttribute.OID.data)),
            attribute(CMSAttribute.OID.signingTime, GOSTDER.time(parameters.signingTime ?? Date())),
            attribute(CMSAttribute.OID.messageDigest, GOSTDER.octetString([UInt8](messageDigest))),
        ]
        let issuerAndSerial = try issuerAndSerialNumber(certificate)
        if parameters.signingCertificateAttribute {
            // SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { certHash (SHA-256, the default), issuerSerial } }
            let issuerSerial = GOSTDER.sequence([
                GOSTDER.sequence([GOSTDER.encode(0xa4, issuerAndSerial.issuer)]), issuerAndSerial.serial,
            ])
            let certID = GOSTDER.sequence([GOSTDER.octetString([UInt8](certificate.sha256Fingerprint)), issuerSerial])
            attributes.append(attribute(CMSAttribute.OID.signingCertificateV2, GOSTDER.sequence([GOSTDER.sequence([certID])])))
        }
        // RFC 5652 § 5.4: the signature covers the DER of SignedAttributes with the SET OF tag.
        let signedAttributes = GOSTDER.setOf(attributes)
        let signature = try key.sign(message: Data(signedAttributes))
        var fields = [
            GOSTDER.integer(1),
            GOSTDER.sequence([issuerAndSerial.issuer, issuerAndSerial.serial]),
            GOSTDER.algorithm(key.algorithm.digest.oid),
            [0xa0] + signedAttributes.dropFirst(),
            GOSTDER.algorithm(key.algorithm.signatureOID),
            GOSTDER.octetString(signature),
        ]
        if let unsignedAttributes {
            let extra = try unsignedAttributes(Data(signature))
            if !extra.isEmpty {
                let encoded = extra.map { item in
                    GOSTDER.sequence([GOSTDER.oid(item.oid), GOSTDER.encode(0x31, item.values.flatMap { [UInt8]($0) })])
                }
                fields.append(GOSTDER.encode(0xa1, encoded.flatMap { $0 }))
            }
        }
        return GOSTDER.sequence(fields)
    }

    private static func attribute(_ oid: String, _ value: [UInt8]) -> [UInt8] {
        GOSTDER.sequence([GOSTDER.oid(oid), GOSTDER.encode(0x31, value)])
    }

    /// The certificate's issuer Name and serialNumber INTEGER, as encoded in it.
    private static func issuerAndSerialNumber(_ certificate: Certificate) throws -> (issuer: [UInt8], serial: [UInt8]) {
        var nameOut: UnsafeMutablePointer<UInt8>?
        let nameLength = i2d_X509_NAME(X509_get_issuer_name(certificate.pointer), &nameOut)
        guard nameLength > 0, let nameOut else { throw CryptoError.openSSL("cannot encode the issuer name") }
        defer { eds_openssl_free(nameOut) }
        var serialOut: UnsafeMutablePointer<UInt8>?
        let serialLength = i2d_ASN1_INTEGER(X509_get0_serialNumber(certificate.pointer), &serialOut)
        guard serialLength > 0, let serialOut else { throw CryptoError.openSSL("cannot encode the serial number") }
        defer { eds_openssl_free(serialOut) }
        return (Array(UnsafeBufferPointer(start: nameOut, count: Int(nameLength))), Array(UnsafeBufferPointer(start: serialOut, count: Int(serialLength))))
    }
}
