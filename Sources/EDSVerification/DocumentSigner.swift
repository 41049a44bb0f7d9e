import EDSCrypto
import Foundation

/// Signing as Law 370-II allows it: only with a SIGN key, within its validity.
public enum DocumentSigner {
    /// Refuses a certificate that may not sign documents at `moment`: an AUTH key, a key without
    /// nonRepudiation, or a certificate outside its validity period.
    public static func checkSigningCertificate(_ certificate: Certificate, at moment: Date = Date()) throws {
        let usage = certificate.keyUsage
        let extended = certificate.extendedKeyUsage
        // Since 2022 NCA issues one GOST key that both logs in and signs: clientAuth with nonRepudiation may sign.
        if extended.contains(ExtendedKeyUsageOID.clientAuth) && !extended.contains(ExtendedKeyUsageOID.emailProtection)
            && !(certificate.hasKeyUsageExtension && usage.contains(.nonRepudiation))
        {
            throw CryptoError(.refused, "this is an authentication (AUTH) key: it may log in, it may not sign documents; use the SIGN key (RSA256_…/GOST512_… file)")
        }
        if certificate.hasKeyUsageExtension && !usage.contains(.nonRepudiation) {
            throw CryptoError(.refused, "the certificate's key usage (\(usage.map(\.rawValue).joined(separator: ", "))) lacks nonRepudiation: it cannot sign documents")
        }
        if moment > certificate.notAfter {
            throw CryptoError(.refused, "the certificate expired on \(ISO8601.string(certificate.notAfter)); a signature made now would not hold")
        }
        if moment < certificate.notBefore {
            throw CryptoError(.refused, "the certificate is valid only from \(ISO8601.string(certificate.notBefore))")
        }
    }

    /// Signs `document` (or adds a signer to `existing`) after the signing-certificate check.
    public static func sign(
        _ document: DocumentSource?, with key: PKCS12Bundle, existing: Data? = nil, parameters: CMSSignerParameters = CMSSignerParameters(),
        unsignedAttributes: CMSSigner.UnsignedAttributeProvider? = nil
    ) throws -> Data {
        try checkSigningCertificate(key.certificate)
        if let existing {
            return try CMSSigner.addSigner(
                to: existing, document: document, key: key.privateKey, certificate: key.certificate, chain: key.chain,
                parameters: parameters, unsignedAttributes: unsignedAttributes)
        }
        guard let document else { throw CryptoError(.refused, "nothing to sign") }
        return try CMSSigner.sign(
            document, key: key.privateKey, certificate: key.certificate, chain: key.chain, parameters: parameters,
            unsignedAttributes: unsignedAttributes)
    }
}
