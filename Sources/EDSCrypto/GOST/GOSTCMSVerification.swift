import Foundation

extension CMSSignedData {
    /// Verifies a SignerInfo made with a Kazakh GOST key (RFC 5652 § 5.4 with GOST 34.310 as the signature
    /// algorithm): over the signed attributes' DER as received (re-tagged SET OF), hashed with the algorithm's own
    /// digest, or over the content digest when there are no signed attributes. nil when no GOST is involved.
    func verifyGOSTSignatureValue(of signer: CMSSignerInfo, with certificate: Certificate, contentDigest: Data?) -> SignatureValueCheck? {
        let keyOID = certificate.publicKeyAlgorithmOID
        guard GOSTAlgorithm.isKazakhGOST(signer.signatureAlgorithmOID) || GOSTAlgorithm.isKazakhGOST(signer.digestAlgorithmOID)
            || GOSTAlgorithm.isKazakhGOST(keyOID)
        else { return nil }
        guard let key = certificate.gostPublicKey else {
            if GOSTAlgorithm(publicKeyOID: keyOID) != nil {
                return .invalid("the signer certificate's GOST public key is not a point on its curve")
            }
            if GOSTAlgorithm.isKazakhGOST(keyOID) { return .unsupported("unknown GOST key algorithm \(keyOID)") }
            return .invalid("a GOST signature (\(OIDNames.name(signer.signatureAlgorithmOID))) by a certificate whose key is \(OIDNames.name(keyOID))")
        }
        // Producers name either the signature algorithm or the key algorithm here (as rsaEncryption is used for RSA).
        let named = GOSTAlgorithm(signatureOID: signer.signatureAlgorithmOID) ?? GOSTAlgorithm(publicKeyOID: signer.signatureAlgorithmOID)
        guard let algorithm = named else {
            return .unsupported("unknown signature algorithm \(OIDNames.name(signer.signatureAlgorithmOID)) for a \(key.algorithm.displayName) key")
        }
        guard algorithm == key.algorithm else {
            return .invalid("the SignerInfo claims \(algorithm.displayName) but the certificate's key is \(key.algorithm.displayName)")
        }
        guard signer.digestAlgorithm == algorithm.digest else {
            return .invalid(
                "\(algorithm.displayName) signs with \(algorithm.digest.rawValue), but the SignerInfo names \(OIDNames.name(signer.digestAlgorithmOID))")
        }
        if let reason = algorithm.digest.unavailableReason { return .unsupported(reason) }
        if signer.hasSignedAttributes {
            guard let signedBytes = try? layout?.signedAttributesForVerification(signerIndex: signer.index) else {
                return .invalid("the signed attributes cannot be read as received")
            }
            return key.verify(signature: [UInt8](signer.signatureValue), over: signedBytes)
        }
        guard let contentDigest else { return .invalid("no content to check the signature against") }
        return key.verify(signature: [UInt8](signer.signatureValue), digest: contentDigest)
    }
}
