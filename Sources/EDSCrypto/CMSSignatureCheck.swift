internal import COpenSSL
import Foundation

/// The outcome of checking one SignerInfo's signature value against a certificate's public key.
public enum SignatureValueCheck: Hashable, Sendable {
    case valid
    /// The bytes do not verify with this key.
    case invalid(String)
    /// This process cannot compute the algorithm (an unknown one, or Streebog without the GOST provider).
    case unsupported(String)
}

extension CMSSignedData {
    /// Verifies SignerInfo `signer`'s signature value with `certificate`'s public key.
    ///
    /// With signed attributes, the signature covers their DER as received, re-tagged SET OF (RFC 5652 § 5.4),
    /// so signatures from producers that do not sort attributes still verify. Without them, the signature
    /// covers the content digest, which the caller computes (`contentDigest`).
    public func verifySignatureValue(of signer: CMSSignerInfo, with certificate: Certificate, contentDigest: Data?) -> SignatureValueCheck {
        defer { OpenSSLErrorQueue.clear() }
        if let gost = verifyGOSTSignatureValue(of: signer, with: certificate, contentDigest: contentDigest) { return gost }
        guard let digest = signer.digestAlgorithm else {
            return .unsupported("unsupported digest algorithm \(OIDNames.name(signer.digestAlgorithmOID))")
        }
        guard let key = X509_get0_pubkey(certificate.pointer) else {
            return .unsupported("the signer certificate's public key (\(certificate.publicKeyAlgorithmOID)) cannot be used by OpenSSL")
        }
        // RSASSA-PSS (RFC 4056): the padding parameters come from the AlgorithmIdentifier as parsed.
        var pss: RSASSAPSSParameters?
        if signer.signatureAlgorithmOID == RSASSAPSSParameters.oid {
            do {
                pss = try RSASSAPSSParameters(signer.signatureAlgorithmParameters)
            } catch {
                return .unsupported("RSASSA-PSS parameters: \(error)")
            }
        }
        if signer.hasSignedAttributes {
            // The bytes the signature covers, from the same parse the attributes were read from.
            guard let signedBytes = signer.signedAttributesForVerification else {
                return .invalid("the signed attributes cannot be read")
            }
            if pss == nil {
                if let pool = certificate.verifier(for: digest), let verified = pool.verify(signature: signer.signatureValue, over: signedBytes) {
                    return verified ? .valid : .invalid("the signature value does not verify with the signer's public key")
                }
                return Self.verifyWithEVP(signature: signer.signatureValue, over: signedBytes, digest: digest, certificate: certificate)
            }
            return Self.verify(signature: signer.signatureValue, over: signedBytes, digest: pss?.digest ?? digest, pss: pss, key: key)
        }
        guard let contentDigest else { return .invalid("no content to check the signature against") }
        return Self.verify(signature: signer.signatureValue, overDigest: contentDigest, digest: pss?.digest ?? digest, pss: pss, key: key)
    }

    /// EVP_DigestVerify with the certificate's key: what every key takes that `SignatureVerifierPool` does not cover.
    static func verifyWithEVP(signature: Data, over message: [UInt8], digest: DigestAlgorithm, certificate: Certificate) -> SignatureValueCheck {
        guard let key = X509_get0_pubkey(certificate.pointer) else {
            OpenSSLErrorQueue.clear()
            return .unsupported("the signer certificate's public key (\(certificate.publicKeyAlgorithmOID)) cannot be used by OpenSSL")
        }
        return verify(signature: signature, over: message, digest: digest, key: key)
    }

    static func verify(
        signature: Data, over message: [UInt8], digest: DigestAlgorithm, pss: RSASSAPSSParameters? = nil, key: OpaquePointer
    ) -> SignatureValueCheck {
        guard let context = EVP_MD_CTX_new() else { return .invalid("cannot allocate a verification context") }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit(context, &keyContext, digest.fetched, nil, key) == 1 else {
            return .unsupported("OpenSSL cannot verify \(digest.rawValue) signatures with this key: \(OpenSSLErrorQueue.drain().last ?? "")")
        }
        if let pss, let keyContext, !pss.apply(to: keyContext) {
            return .unsupported("OpenSSL cannot verify RSASSA-PSS with these parameters: \(OpenSSLErrorQueue.drain().last ?? "")")
        }
        let result = signature.withUnsafeBytes { signatureBytes in
            message.withUnsafeBufferPointer { messageBytes in
                EVP_DigestVerify(
                    context, signatureBytes.bindMemory(to: UInt8.self).baseAddress, signatureBytes.count,
                    messageBytes.baseAddress, messageBytes.count)
            }
        }
        return result == 1 ? .valid : .invalid("the signature value does not verify with the signer's public key")
    }

    /// RFC 5652 § 5.6 without signed attributes: the signature is over the content digest itself.
    static func verify(
        signature: Data, overDigest contentDigest: Data, digest: DigestAlgorithm, pss: RSASSAPSSParameters? = nil, key: OpaquePointer
    ) -> SignatureValueCheck {
        guard let context = EVP_PKEY_CTX_new(key, nil) else { return .invalid("cannot allocate a verification context") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_verify_init(context) == 1, pss.map({ $0.apply(to: context) }) ?? true,
            EVP_PKEY_CTX_set_signature_md(context, digest.evp) == 1
        else {
            return .unsupported("OpenSSL cannot verify \(digest.rawValue) signatures with this key")
        }
        let result = signature.withUnsafeBytes { signatureBytes in
            contentDigest.withUnsafeBytes { digestBytes in
                EVP_PKEY_verify(
                    context, signatureBytes.bindMemory(to: UInt8.self).baseAddress, signatureBytes.count,
                    digestBytes.bindMemory(to: UInt8.self).baseAddress, digestBytes.count)
            }
        }
        return result == 1 ? .valid : .invalid("the signature value does not verify with the signer's public key")
    }
}
