import EDSCrypto
import Foundation

/// A check detail or warning said without a language: a key and its arguments. Rendered in English it is exactly
/// the `detail` (or warning) the JSON report carries, a fixed contract; the text report renders it in the reader's
/// language (`verify --lang ru|kk`).
struct DetailMessage: Hashable, Sendable {
    let key: Key
    let arguments: [Argument]

    init(_ key: Key, _ arguments: Argument...) {
        self.key = key
        self.arguments = arguments
    }

    /// Not `indirect`: a message nests through its arguments' array, so no case needs a box of its own (every
    /// `.text` argument of every check was one allocation).
    enum Argument: Hashable, Sendable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
        /// Names, serial numbers, dates, OIDs, algorithm names, URLs: the same in every language.
        case text(String)
        case message(DetailMessage)
        /// Messages joined with "; ".
        case list([DetailMessage])
        /// Words that come from elsewhere in English (OpenSSL's path-validation errors): English shows them as they
        /// came, other languages show `translation` when there is one.
        case foreign(english: String, translation: DetailMessage?)

        init(stringLiteral value: String) { self = .text(value) }
        init(stringInterpolation: DefaultStringInterpolation) { self = .text(String(stringInterpolation: stringInterpolation)) }

        func render(_ language: ReportLanguage) -> String {
            var out: [UInt8] = []
            render(language, into: &out)
            return String(decoding: out, as: UTF8.self)
        }

        /// Appends this argument's UTF-8 to `out`: a nested message is written in place, not built as a string of its own.
        func render(_ language: ReportLanguage, into out: inout [UInt8]) {
            switch self {
            case .text(let text): out.append(contentsOf: text.utf8)
            case .message(let message): message.render(language, into: &out)
            case .list(let messages):
                for (index, message) in messages.enumerated() {
                    if index > 0 { out.append(contentsOf: "; ".utf8) }
                    message.render(language, into: &out)
                }
            case .foreign(let english, let translation):
                if language != .english, let translation { translation.render(language, into: &out) } else { out.append(contentsOf: english.utf8) }
            }
        }
    }

    var english: String { render(.english) }

    func render(_ language: ReportLanguage) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        render(language, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends this message's UTF-8 to `out`.
    ///
    /// Over the template's UTF-8 bytes in place, into one byte buffer made a string once: every validation renders
    /// each detail in English for the JSON, and scanning by Character, or by String index, and growing a String
    /// piece by piece made that a visible share of a validation.
    func render(_ language: ReportLanguage, into out: inout [UInt8]) {
        let template = key.template(language)
        let done: Void? = template.utf8.withContiguousStorageIfAvailable { render(language, template: $0, into: &out) }
        if done == nil { Array(template.utf8).withUnsafeBufferPointer { render(language, template: $0, into: &out) } }
    }

    private func render(_ language: ReportLanguage, template bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var segmentStart = 0
        var position = 0
        let count = bytes.count
        while position < count {
            // "{n}": one decimal digit (no phrase has more than ten arguments).
            if bytes[position] == UInt8(ascii: "{"), position + 2 < count, bytes[position + 2] == UInt8(ascii: "}") {
                let digit = bytes[position + 1]
                if digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9"), Int(digit - UInt8(ascii: "0")) < arguments.count {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<position]))
                    arguments[Int(digit - UInt8(ascii: "0"))].render(language, into: &out)
                    position += 3
                    segmentStart = position
                    continue
                }
            }
            position += 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[segmentStart..<count]))
    }
}

// MARK: - Phrases shared by several checks

extension DetailMessage {
    /// "the signer certificate" / "CA certificate "X"": who a validity or revocation finding is about.
    /// `name` is asked only of a CA: the leaf is "the signer certificate" without looking its name up.
    static func who(depth: Int, name: @autoclosure () -> String) -> Argument {
        .message(depth == 0 ? DetailMessage(.whoSigner) : DetailMessage(.whoCA, .text(name())))
    }

    /// What OpenSSL's path validation said, by its X509_V_ERR code (stable across OpenSSL versions), in English as
    /// OpenSSL wrote it. EDSVerification does not import OpenSSL, hence the numbers.
    static func pathError(code: Int32, english: String) -> Argument {
        let key: Key? =
            switch code {
            case 2: .x509UnableToGetIssuer
            case 4: .x509UnableToDecryptSignature
            case 6: .x509UnableToDecodeIssuerKey
            case 7: .x509CertificateSignatureFailure
            case 18: .x509SelfSignedLeaf
            case 19: .x509SelfSignedInChain
            case 20: .x509UnableToGetLocalIssuer
            case 21: .x509UnableToVerifyLeaf
            case 24: .x509InvalidCA
            case 25: .x509PathLengthExceeded
            case 26: .x509InvalidPurpose
            case 27: .x509CertificateUntrusted
            case 28: .x509CertificateRejected
            case 32: .x509KeyUsageNoCertSign
            case 34: .x509UnhandledCriticalExtension
            case 41: .x509InvalidExtension
            case 47...53: .x509NameConstraintViolation
            case CertificateProfile.ruleWithoutOpenSSLCode, 80...93: .x509ProfileViolation
            default: nil
            }
        return .foreign(english: english, translation: key.map { DetailMessage($0) })
    }

    /// The reason EDSCrypto gives for a signature value that does not verify or cannot be checked.
    static func signatureProblem(_ reason: String) -> Argument {
        func between(_ prefix: String, _ suffix: String) -> String? {
            guard reason.hasPrefix(prefix), reason.hasSuffix(suffix), reason.count >= prefix.count + suffix.count else { return nil }
            return String(reason.dropFirst(prefix.count).dropLast(suffix.count))
        }
        if reason == "the signature value does not verify with the signer's public key" { return .message(DetailMessage(.signatureDoesNotVerify)) }
        if reason == "no content to check the signature against" { return .message(DetailMessage(.signatureNoContent)) }
        if let algorithm = between("GOST 34.310 signatures cannot be verified with OpenSSL (algorithm ", ")") {
            return .message(DetailMessage(.gostUnsupported, .text(algorithm)))
        }
        if let algorithm = between("unsupported digest algorithm ", "") { return .message(DetailMessage(.digestUnsupported, .text(algorithm))) }
        if let key = between("the signer certificate's public key (", ") cannot be used by OpenSSL") {
            return .message(DetailMessage(.keyUnusable, .text(key)))
        }
        if reason.hasPrefix("OpenSSL cannot verify "), let range = reason.range(of: " signatures with this key") {
            let digest = String(reason[reason.index(reason.startIndex, offsetBy: "OpenSSL cannot verify ".count)..<range.lowerBound])
            return .message(DetailMessage(.opensslCannotVerify, .text(digest), .text(String(reason[range.upperBound...]))))
        }
        return .text(reason)
    }
}

// MARK: - The phrases, in English (the JSON contract), Russian and Kazakh

extension DetailMessage {
    /// Every detail and warning the validator writes. `{n}` is the n-th argument.
    enum Key: String, CaseIterable, Sendable {
        /// Its one argument, as it is: for words that carry their own translation (or none).
        case verbatim
        // signerCertificate
        case signerCertificateNotFound, identifierIssuerSerial, identifierKeyIdentifier, signerCertificateByIssuerSerial
        case signerCertificateBoundByESS, signerCertificateESSMismatch
        // authenticity
        case authenticityValid, signatureDoesNotVerify, signatureNoContent, unsupportedAlgorithm, gostUnsupported, digestUnsupported
        case keyUnusable, opensslCannotVerify
        // integrity
        case detachedWithoutDocument, noSignedAttributes, noMessageDigest, digestAlgorithmUnsupported, digestMatches, documentChanged
        case contentTypeDiffers
        // format (the signature file and its SignerInfo as structures)
        case formatTrailingData, formatAttributeValueCount, formatRepeatedSignedAttribute, formatSignedAttributesNotDER
        case formatEmptySignedAttributes
        // chain
        case chainBuilt, chainNoPath, chainProblem
        case x509UnableToGetIssuer, x509UnableToDecryptSignature, x509UnableToDecodeIssuerKey, x509CertificateSignatureFailure
        case x509SelfSignedLeaf, x509SelfSignedInChain, x509UnableToGetLocalIssuer, x509UnableToVerifyLeaf, x509InvalidCA
        case x509PathLengthExceeded, x509InvalidPurpose, x509CertificateUntrusted, x509CertificateRejected, x509KeyUsageNoCertSign
        case x509UnhandledCriticalExtension, x509InvalidExtension, x509ProfileViolation, x509NameConstraintViolation
        // keyUsage
        case keyUsageForbidsSignatures, authenticationKey, extendedKeyUsageWithoutSigning, signingKey, noKeyUsageExtension
        // a certificate validated alone (verify --certificate)
        case certificateKeyUsageEmpty, certificateKeyCertSignWithoutCA, certificateIsCA, whoCertificate
        // validityAtSigningMoment
        case whoSigner, whoCA, momentTimestamped, momentValidationTime, expired, notYetValid, pathValid
        // algorithms
        case brokenDigest, rsaTooShort, weakCertificateSignature, algorithmsAcceptable
        // timestamp
        case timestampUnreadable, timestampOverOtherData, timestampWithoutSigner, timestampWithoutTSACertificate
        case timestampDigestUnsupported, timestampSignatureInvalid, timestampContentAltered, timestampWithoutESS, timestampESSMismatch
        case timestampNotTSA, timestampTSAPurpose, timestampTSANotValid, timestampTSANoChain, timestampValid
        case timestampTSARevokedBefore, timestampTSACompromised, timestampTSARevokedAfter, whoTSA
        // evidence records (RFC 4998)
        case evidenceRecordValid, evidenceRecordInvalid, evidenceRecordEmpty, evidenceRecordTimestampUnreadable
        case evidenceRecordAlgorithmUnsupported, evidenceRecordObjectNotCovered, evidenceRecordRenewalBroken, evidenceRecordRootMismatch
        case evidenceRecordTimestampInvalid, evidenceRecordRenewalLate, evidenceRecordTimestampValid, momentProofOfExistence
        // revocation
        case revocationSignerIsAnchor, revocationNoData, revocationNothingAvailable, revocationOfflineHint, revocationGood
        case revocationUnknown, revocationRevokedAfter, revocationRevokedBefore, revocationReason, evidenceCRL, evidenceOCSP
        case crlSignatureInvalid, crlExpired, ocspUnreadable, ocspSignatureInvalid, ocspUnauthorised, ocspStale, ocspFetchFailed
        case crlFetchFailed, evidenceCRLWithDelta, crlReasonsIncomplete, crlDeltaAlone, crlNotIndirect, crlScopeDistributionPoint
        case crlScopeUserCertificates, crlScopeCACertificates, crlScopeAttributeCertificates, crlSignerNoCRLSign, crlSignerUnverified
        case crlUnhandledCriticalExtension, crlUnhandledCriticalEntryExtension, crlMalformedExtension
        // policies (RFC 5280 § 6.1 certificate-policy processing)
        case policiesValid, policiesAny, policiesNone, policyNoValid, policyNotAcceptable, policyAnyMapped, policyMalformed, policyTreeTooLarge
        // warnings
        case warningNoESS, warningSigningTimeAfterTimestamp, warningTSARevocationUnknown, warningRevokedAfterSigning
        case warningInvalidIIN, warningInvalidBIN, warningNoIIN
        // warnings a vault adds to a kept signature's report
        case warningValidatedAsOfReceipt, warningAwaitingEvidence

        func template(_ language: ReportLanguage) -> String {
            switch language {
            case .english: english
            case .russian: russian
            case .kazakh: kazakh
            }
        }

        var english: String {
            switch self {
            case .verbatim: "{0}"
            case .signerCertificateNotFound: "no certificate in the signature or the trust anchors matches {0}"
            case .identifierIssuerSerial: "issuer {0}, serial {1}"
            case .identifierKeyIdentifier: "subject key identifier {0}"
            case .signerCertificateByIssuerSerial: "found by issuer and serial number {0}"
            case .signerCertificateBoundByESS: "certificate {0} is bound by the ESS signing-certificate attribute"
            case .signerCertificateESSMismatch: "the ESS signing-certificate attribute names a different certificate"
            case .authenticityValid: "the signature value verifies with the public key of certificate {0}"
            case .signatureDoesNotVerify: "the signature value does not verify with the signer's public key"
            case .signatureNoContent: "no content to check the signature against"
            case .unsupportedAlgorithm: "unsupported algorithm: {0}"
            case .gostUnsupported: "GOST 34.310 signatures cannot be verified with OpenSSL (algorithm {0})"
            case .digestUnsupported: "unsupported digest algorithm {0}"
            case .keyUnusable: "the signer certificate's public key ({0}) cannot be used by OpenSSL"
            case .opensslCannotVerify: "OpenSSL cannot verify {0} signatures with this key{1}"
            case .detachedWithoutDocument: "the signature is detached and no document was given"
            case .noSignedAttributes: "no signed attributes: the signature value itself covers the document digest"
            case .noMessageDigest: "the signed attributes carry no messageDigest"
            case .digestAlgorithmUnsupported: "digest algorithm {0} is not supported"
            case .digestMatches: "the document's {0} digest matches the signed messageDigest"
            case .documentChanged: "the document was changed: its {0} digest {1}… differs from the signed {2}…"
            case .contentTypeDiffers: "the contentType attribute ({0}) differs from the encapsulated content type"
            case .formatTrailingData: "{0} byte(s) follow the CMS object: a signature file must be exactly one ASN.1 object"
            case .formatAttributeValueCount: "the {0} attribute has {1} values; it must have exactly one"
            case .formatRepeatedSignedAttribute: "the signed attribute {0} appears {1} times; it may appear only once"
            case .formatSignedAttributesNotDER: "the signed attributes are not DER-encoded (RFC 5652 § 5.4)"
            case .formatEmptySignedAttributes: "the signed attributes are present but empty (RFC 5652 § 5.3)"
            case .chainBuilt: "{0} certificate(s) up to the trust anchor \"{1}\""
            case .chainNoPath: "no path to a trusted certification centre: {0} (certificate at depth {1})"
            case .chainProblem: "{0} (certificate at depth {1})"
            // OpenSSL's own words (x509_txt.c); shown only when a report is rendered from these keys directly.
            case .x509UnableToGetIssuer: "unable to get issuer certificate"
            case .x509UnableToDecryptSignature: "unable to decrypt certificate's signature"
            case .x509UnableToDecodeIssuerKey: "unable to decode issuer public key"
            case .x509CertificateSignatureFailure: "certificate signature failure"
            case .x509SelfSignedLeaf: "self-signed certificate"
            case .x509SelfSignedInChain: "self-signed certificate in certificate chain"
            case .x509UnableToGetLocalIssuer: "unable to get local issuer certificate"
            case .x509UnableToVerifyLeaf: "unable to verify the first certificate"
            case .x509InvalidCA: "invalid CA certificate"
            case .x509PathLengthExceeded: "path length constraint exceeded"
            case .x509InvalidPurpose: "unsupported certificate purpose"
            case .x509CertificateUntrusted: "certificate not trusted"
            case .x509CertificateRejected: "certificate rejected"
            case .x509KeyUsageNoCertSign: "key usage does not include certificate signing"
            case .x509UnhandledCriticalExtension: "unhandled critical extension"
            case .x509InvalidExtension: "invalid or inconsistent certificate extension"
            case .x509ProfileViolation: "the certificate breaks the RFC 5280 certificate profile"
            case .x509NameConstraintViolation: "a name is outside the name constraints of the path"
            case .keyUsageForbidsSignatures: "key usage {0} does not allow signatures"
            case .authenticationKey: "this is an authentication (AUTH) key: it may log in, it may not sign documents"
            case .extendedKeyUsageWithoutSigning: "extended key usage {0} does not include document signing"
            case .signingKey: "signing key ({0})"
            case .noKeyUsageExtension: "no keyUsage extension"
            case .certificateKeyUsageEmpty: "the keyUsage extension asserts no bit (RFC 5280 § 4.2.1.3)"
            case .certificateKeyCertSignWithoutCA: "keyUsage asserts keyCertSign but the certificate is not a CA (RFC 5280 § 4.2.1.3)"
            case .certificateIsCA: "a certification authority's certificate (key usage {0})"
            case .whoCertificate: "the certificate"
            case .whoSigner: "the signer certificate"
            case .whoCA: "CA certificate \"{0}\""
            case .momentTimestamped: "timestamped signing moment {0}"
            case .momentValidationTime: "validation time {0}"
            case .expired: "{0} expired on {1}, before the {2}"
            case .notYetValid: "{0} is valid only from {1}, after the {2}"
            case .pathValid: "every certificate in the path was valid at the {0}"
            case .brokenDigest: "{0} is no longer an acceptable digest for signatures"
            case .rsaTooShort: "RSA-{0} key is shorter than the required {1} bits"
            case .weakCertificateSignature: "certificate {0} is signed with {1}"
            case .algorithmsAcceptable: "{0} with {1}"
            case .timestampUnreadable: "the timestamp token cannot be read: {0}"
            case .timestampOverOtherData: "the timestamp of {0} covers other data, not this signature value"
            case .timestampWithoutSigner: "the timestamp token has no signer"
            case .timestampWithoutTSACertificate: "the TSA certificate is not in the token"
            case .timestampDigestUnsupported: "the timestamp token's digest algorithm {0} is not supported"
            case .timestampSignatureInvalid: "the timestamp token's signature does not verify with the TSA certificate"
            case .timestampContentAltered: "the timestamp token's TSTInfo was altered (messageDigest mismatch)"
            case .timestampWithoutESS: "the timestamp token does not name its TSA certificate (no ESS signing-certificate attribute)"
            case .timestampESSMismatch: "the timestamp token's ESS signing-certificate attribute names another certificate"
            case .timestampNotTSA: "\"{0}\" is not a time-stamping authority (no id-kp-timeStamping EKU)"
            case .timestampTSAPurpose:
                "\"{0}\" may not issue timestamps: its extended key usage must be critical and id-kp-timeStamping only (RFC 3161 § 2.3)"
            case .timestampTSANotValid: "the TSA certificate was not valid at genTime {0}"
            case .timestampTSANoChain: "the TSA \"{0}\" does not chain to a trust anchor: {1}"
            case .timestampValid: "RFC 3161 timestamp by \"{0}\" at {1} covers the signature value; it is the signing moment"
            case .timestampTSARevokedBefore: "{0} was revoked on {1}{2}, before the timestamp's genTime {3} ({4})"
            case .timestampTSACompromised: "{0} was revoked on {1}{2}: its key may be compromised, so no timestamp under it can be trusted ({3})"
            case .timestampTSARevokedAfter: "{0} was revoked on {1}{2}, after the timestamp's genTime {3}; timestamps made before stand ({4})"
            case .whoTSA: "the TSA certificate"
            case .evidenceRecordValid: "evidence record: the data existed at {0} (archive timestamp by \"{1}\", renewed {2} time(s)); that is the proof of existence"
            case .evidenceRecordInvalid: "the evidence record does not hold: {0}"
            case .evidenceRecordEmpty: "the evidence record has no archive timestamp, or nothing was given to check it against"
            case .evidenceRecordTimestampUnreadable: "archive timestamp {0} cannot be read: {1}"
            case .evidenceRecordAlgorithmUnsupported: "archive timestamp {0} uses the digest algorithm {1}, which is not accepted"
            case .evidenceRecordObjectNotCovered: "the document or a signature is not in the hash tree of archive timestamp {0}"
            case .evidenceRecordRenewalBroken: "archive timestamp {0} does not renew the one before it"
            case .evidenceRecordRootMismatch: "the hash tree of archive timestamp {0} leads to another value than the one the TSA timestamped"
            case .evidenceRecordTimestampInvalid: "archive timestamp {0}: {1}"
            case .evidenceRecordRenewalLate: "the TSA certificate of archive timestamp {0} expired at {1}, before it was renewed ({2})"
            case .evidenceRecordTimestampValid: "archive timestamp {0} by \"{1}\" at {2} holds"
            case .momentProofOfExistence: "moment proven by the evidence record, {0}"
            case .revocationSignerIsAnchor: "the signer certificate is a trust anchor"
            case .revocationNoData: "no usable revocation data for {0}: {1}{2}"
            case .revocationNothingAvailable: "no CRL or OCSP response available"
            case .revocationOfflineHint: " (offline: embed evidence with sign --revocation, or pass --crl)"
            case .revocationGood: "{0} is not revoked ({1})"
            case .revocationUnknown: "the responder does not know {0} ({1})"
            case .revocationRevokedAfter: "{0} was revoked on {1}{2}, after the signing moment {3} ({4})"
            case .revocationRevokedBefore: "{0} was revoked on {1}{2}, before the signing moment {3} ({4})"
            case .revocationReason: ", reason {0}"
            case .evidenceCRL: "CRL of {0}"
            case .evidenceOCSP: "OCSP by \"{0}\" at {1}"
            case .crlSignatureInvalid: "a CRL names the issuer but its signature does not verify with the issuer's key"
            case .crlExpired: "the CRL of {0} expired on {1}, before the signing moment"
            case .ocspUnreadable: "an OCSP response cannot be read"
            case .ocspSignatureInvalid: "an OCSP response's signature does not verify"
            case .ocspUnauthorised: "the OCSP response is signed by \"{0}\", which the issuer did not authorise (no id-kp-OCSPSigning)"
            case .ocspStale: "the OCSP response of {0} is older than the signing moment {1} by more than 5 minutes"
            case .ocspFetchFailed: "OCSP request to {0} failed: {1}"
            case .crlFetchFailed: "CRL download from {0} failed: {1}"
            case .evidenceCRLWithDelta: "CRL of {0} with its delta CRL of {1}"
            case .crlReasonsIncomplete: "the usable CRLs of {0} cover only some revocation reasons"
            case .crlDeltaAlone: "a delta CRL of {0} (base CRL number {1}) is not used without its complete CRL"
            case .crlNotIndirect: "a CRL for {0} is issued by another authority and is not an indirect CRL the certificate names"
            case .crlScopeDistributionPoint: "a CRL of {0} is for another distribution point than the certificate's"
            case .crlScopeUserCertificates: "a CRL of {0} covers end-entity certificates only"
            case .crlScopeCACertificates: "a CRL of {0} covers CA certificates only"
            case .crlScopeAttributeCertificates: "a CRL of {0} covers attribute certificates only"
            case .crlSignerNoCRLSign: "a CRL of {0} is signed by \"{1}\", whose key may not sign CRLs (no cRLSign)"
            case .crlSignerUnverified: "the CRL signer \"{0}\" does not validate to the same trust anchor (path, validity or revocation)"
            case .crlUnhandledCriticalExtension: "a CRL of {0} is not used: it has an unknown critical extension {1}"
            case .crlUnhandledCriticalEntryExtension: "a CRL of {0} is not used: an entry has an unknown critical extension {1}"
            case .crlMalformedExtension: "a CRL of {0} is not used: its {1} extension cannot be read"
            case .policiesValid: "valid for the certificate policies {0}"
            case .policiesAny: "valid for any certificate policy"
            case .policiesNone: "no certificate policy is valid for the whole path; none is required"
            case .policyNoValid: "no certificate policy is valid for the whole path, and one is required (certificate at depth {0})"
            case .policyNotAcceptable: "none of the path's valid policies is among those required ({0})"
            case .policyAnyMapped: "a policy mapping maps to or from anyPolicy (certificate at depth {0})"
            case .policyMalformed: "the {0} extension cannot be read (certificate at depth {1})"
            case .policyTreeTooLarge: "the certificate policy tree grows past its limit (certificate at depth {0})"
            case .warningNoESS: "no ESS signingCertificateV2 attribute: the signer certificate is not bound into the signature (not CAdES-BES)"
            case .warningSigningTimeAfterTimestamp: "the signingTime claim {0} is later than the timestamp {1}"
            case .warningTSARevocationUnknown: "the timestamp is relied on, but the revocation status of {0} is unknown: {1}"
            case .warningRevokedAfterSigning: "{0} was revoked on {1}, after this signature was made"
            case .warningInvalidIIN: "IIN {0} has an invalid check digit"
            case .warningInvalidBIN: "BIN {0} has an invalid check digit"
            case .warningNoIIN: "the certificate carries no IIN (SERIALNUMBER=IIN…)"
            case .warningValidatedAsOfReceipt: "validated as of {0}, when the vault received the signature"
            case .warningAwaitingEvidence:
                "awaiting evidence: kept without the timestamp and revocation evidence the vault's policy asks for (retried by `{0}`)"
            }
        }

        var russian: String {
            switch self {
            case .verbatim: "{0}"
            case .signerCertificateNotFound: "ни один сертификат в подписи и среди якорей доверия не соответствует идентификатору: {0}"
            case .identifierIssuerSerial: "издатель {0}, серийный номер {1}"
            case .identifierKeyIdentifier: "идентификатор ключа субъекта {0}"
            case .signerCertificateByIssuerSerial: "найден по издателю и серийному номеру {0}"
            case .signerCertificateBoundByESS: "сертификат {0} привязан к подписи атрибутом ESS signing-certificate"
            case .signerCertificateESSMismatch: "атрибут ESS signing-certificate указывает на другой сертификат"
            case .authenticityValid: "значение подписи подтверждено открытым ключом сертификата {0}"
            case .signatureDoesNotVerify: "значение подписи не проходит проверку открытым ключом подписанта"
            case .signatureNoContent: "нет содержимого, с которым можно сверить подпись"
            case .unsupportedAlgorithm: "неподдерживаемый алгоритм: {0}"
            case .gostUnsupported: "подписи ГОСТ 34.310 невозможно проверить средствами OpenSSL (алгоритм {0})"
            case .digestUnsupported: "неподдерживаемый алгоритм хеширования {0}"
            case .keyUnusable: "открытый ключ сертификата подписанта ({0}) не может быть использован OpenSSL"
            case .opensslCannotVerify: "OpenSSL не может проверить этим ключом подписи с хешем {0}{1}"
            case .detachedWithoutDocument: "подпись открепленная, а документ не предоставлен"
            case .noSignedAttributes: "подписанных атрибутов нет: значение подписи само охватывает хеш документа"
            case .noMessageDigest: "в подписанных атрибутах нет messageDigest"
            case .digestAlgorithmUnsupported: "алгоритм хеширования {0} не поддерживается"
            case .digestMatches: "хеш {0} документа совпадает с подписанным значением messageDigest"
            case .documentChanged: "документ изменен: его хеш {0} {1}… отличается от подписанного {2}…"
            case .contentTypeDiffers: "атрибут contentType ({0}) не совпадает с типом вложенного содержимого"
            case .formatTrailingData: "за объектом CMS следуют ещё {0} байт: файл подписи должен быть ровно одним объектом ASN.1"
            case .formatAttributeValueCount: "у атрибута {0} значений: {1}, а должно быть ровно одно"
            case .formatRepeatedSignedAttribute: "подписанный атрибут {0} встречается {1} раз(а), а допустим только один раз"
            case .formatSignedAttributesNotDER: "подписанные атрибуты закодированы не в DER (RFC 5652 § 5.4)"
            case .formatEmptySignedAttributes: "поле подписанных атрибутов есть, но оно пусто (RFC 5652 § 5.3)"
            case .chainBuilt: "цепочка до якоря доверия «{1}», сертификатов: {0}"
            case .chainNoPath: "нет пути к доверенному удостоверяющему центру: {0} (сертификат на глубине {1})"
            case .chainProblem: "{0} (сертификат на глубине {1})"
            case .x509UnableToGetIssuer: "не удалось получить сертификат издателя"
            case .x509UnableToDecryptSignature: "не удалось расшифровать подпись сертификата"
            case .x509UnableToDecodeIssuerKey: "не удалось декодировать открытый ключ издателя"
            case .x509CertificateSignatureFailure: "подпись сертификата неверна"
            case .x509SelfSignedLeaf: "самоподписанный сертификат, которому нет доверия"
            case .x509SelfSignedInChain: "в цепочке самоподписанный сертификат, которому нет доверия"
            case .x509UnableToGetLocalIssuer: "сертификат издателя не найден среди доверенных"
            case .x509UnableToVerifyLeaf: "не удалось проверить первый сертификат цепочки"
            case .x509InvalidCA: "недействительный сертификат удостоверяющего центра"
            case .x509PathLengthExceeded: "превышено ограничение длины цепочки"
            case .x509InvalidPurpose: "неподдерживаемое назначение сертификата"
            case .x509CertificateUntrusted: "сертификат не является доверенным"
            case .x509CertificateRejected: "сертификат отклонен"
            case .x509KeyUsageNoCertSign: "назначение ключа не включает подпись сертификатов"
            case .x509UnhandledCriticalExtension: "необработанное критическое расширение"
            case .x509InvalidExtension: "недопустимое или противоречивое расширение сертификата"
            case .x509ProfileViolation: "сертификат нарушает профиль сертификатов RFC 5280"
            case .x509NameConstraintViolation: "имя выходит за ограничения имён пути сертификации"
            case .keyUsageForbidsSignatures: "назначение ключа {0} не допускает подпись"
            case .authenticationKey: "это ключ аутентификации (AUTH): им можно входить в системы, но нельзя подписывать документы"
            case .extendedKeyUsageWithoutSigning: "расширенное назначение ключа {0} не включает подписание документов"
            case .signingKey: "ключ подписи ({0})"
            case .noKeyUsageExtension: "расширения keyUsage нет"
            case .certificateKeyUsageEmpty: "в расширении keyUsage не установлен ни один бит (RFC 5280 § 4.2.1.3)"
            case .certificateKeyCertSignWithoutCA: "keyUsage содержит keyCertSign, но сертификат не является сертификатом УЦ (RFC 5280 § 4.2.1.3)"
            case .certificateIsCA: "сертификат удостоверяющего центра (назначение ключа: {0})"
            case .whoCertificate: "сертификат"
            case .whoSigner: "сертификат подписанта"
            case .whoCA: "сертификат УЦ «{0}»"
            case .momentTimestamped: "момент подписания по метке времени, {0}"
            case .momentValidationTime: "время проверки, {0}"
            case .expired: "{0}: срок действия истек {1}, а проверяемый момент позже — {2}"
            case .notYetValid: "{0}: действует только с {1}, а проверяемый момент раньше — {2}"
            case .pathValid: "все сертификаты цепочки действовали в проверяемый момент — {0}"
            case .brokenDigest: "{0} больше не допускается как алгоритм хеширования для подписей"
            case .rsaTooShort: "ключ RSA-{0} короче требуемых {1} бит"
            case .weakCertificateSignature: "сертификат {0} подписан недопустимым алгоритмом {1}"
            case .algorithmsAcceptable: "{0} с ключом {1}"
            case .timestampUnreadable: "метку времени невозможно прочитать: {0}"
            case .timestampOverOtherData: "метка времени от {0} относится к другим данным, а не к этому значению подписи"
            case .timestampWithoutSigner: "у метки времени нет подписанта"
            case .timestampWithoutTSACertificate: "сертификата службы меток времени нет в метке"
            case .timestampDigestUnsupported: "алгоритм хеширования метки времени {0} не поддерживается"
            case .timestampSignatureInvalid: "подпись метки времени не проходит проверку сертификатом службы меток времени"
            case .timestampContentAltered: "TSTInfo метки времени изменен (messageDigest не совпадает)"
            case .timestampWithoutESS: "метка времени не указывает сертификат своей службы (нет атрибута ESS signing-certificate)"
            case .timestampESSMismatch: "атрибут ESS signing-certificate метки времени указывает на другой сертификат"
            case .timestampNotTSA: "«{0}» не является службой меток времени (нет EKU id-kp-timeStamping)"
            case .timestampTSAPurpose:
                "«{0}» не вправе выдавать метки времени: расширенное назначение ключа должно быть критическим и содержать только id-kp-timeStamping (RFC 3161 § 2.3)"
            case .timestampTSANotValid: "сертификат службы меток времени не действовал в момент genTime {0}"
            case .timestampTSANoChain: "служба меток времени «{0}» не связана цепочкой с якорем доверия: {1}"
            case .timestampValid: "метка времени RFC 3161 от «{0}» на {1} охватывает значение подписи; это и есть момент подписания"
            case .timestampTSARevokedBefore: "{0} отозван {1}{2}, до genTime метки времени {3} ({4})"
            case .timestampTSACompromised: "{0} отозван {1}{2}: ключ мог быть скомпрометирован, поэтому ни одной выданной с ним метке времени нельзя доверять ({3})"
            case .timestampTSARevokedAfter: "{0} отозван {1}{2}, после genTime метки времени {3}; выданные раньше метки остаются в силе ({4})"
            case .whoTSA: "сертификат службы меток времени"
            case .evidenceRecordValid: "запись доказательств: данные существовали на {0} (архивная метка времени «{1}», продлений: {2}); это доказательство существования"
            case .evidenceRecordInvalid: "запись доказательств недействительна: {0}"
            case .evidenceRecordEmpty: "в записи доказательств нет архивной метки времени или не с чем её сверить"
            case .evidenceRecordTimestampUnreadable: "архивную метку времени {0} невозможно прочитать: {1}"
            case .evidenceRecordAlgorithmUnsupported: "архивная метка времени {0} использует недопустимый алгоритм хеширования {1}"
            case .evidenceRecordObjectNotCovered: "документ или подпись отсутствует в дереве хешей архивной метки времени {0}"
            case .evidenceRecordRenewalBroken: "архивная метка времени {0} не продлевает предыдущую"
            case .evidenceRecordRootMismatch: "дерево хешей архивной метки времени {0} ведёт не к тому значению, которое заверила служба меток времени"
            case .evidenceRecordTimestampInvalid: "архивная метка времени {0}: {1}"
            case .evidenceRecordRenewalLate: "сертификат службы меток времени архивной метки {0} истёк {1}, до её продления ({2})"
            case .evidenceRecordTimestampValid: "архивная метка времени {0} от «{1}» на {2} действительна"
            case .momentProofOfExistence: "момент, доказанный записью доказательств, {0}"
            case .revocationSignerIsAnchor: "сертификат подписанта сам является якорем доверия"
            case .revocationNoData: "{0}: нет пригодных данных о статусе отзыва: {1}{2}"
            case .revocationNothingAvailable: "нет ни CRL, ни ответа OCSP"
            case .revocationOfflineHint: " (без сети: вложите данные при подписании, sign --revocation, или передайте --crl)"
            case .revocationGood: "{0} не отозван ({1})"
            case .revocationUnknown: "OCSP-служба не знает сертификат: {0} ({1})"
            case .revocationRevokedAfter: "{0} отозван {1}{2}, уже после момента подписания {3} ({4})"
            case .revocationRevokedBefore: "{0} отозван {1}{2}, до момента подписания {3} ({4})"
            case .revocationReason: ", причина: {0}"
            case .evidenceCRL: "CRL от {0}"
            case .evidenceOCSP: "OCSP от «{0}» на {1}"
            case .crlSignatureInvalid: "CRL указывает этого издателя, но его подпись не проверяется ключом издателя"
            case .crlExpired: "CRL от {0} истек {1}, до момента подписания"
            case .ocspUnreadable: "ответ OCSP невозможно прочитать"
            case .ocspSignatureInvalid: "подпись ответа OCSP не проходит проверку"
            case .ocspUnauthorised: "ответ OCSP подписан «{0}», которому издатель не давал таких полномочий (нет id-kp-OCSPSigning)"
            case .ocspStale: "ответ OCSP от {0} старше момента подписания {1} более чем на 5 минут"
            case .ocspFetchFailed: "запрос OCSP к {0} не удался: {1}"
            case .crlFetchFailed: "не удалось загрузить CRL с {0}: {1}"
            case .evidenceCRLWithDelta: "CRL от {0} с дельта-CRL от {1}"
            case .crlReasonsIncomplete: "пригодные CRL издателя {0} охватывают не все причины отзыва"
            case .crlDeltaAlone: "дельта-CRL издателя {0} (номер базового CRL {1}) не используется без полного CRL"
            case .crlNotIndirect: "CRL для {0} выпущен другим издателем и не является косвенным CRL, указанным в сертификате"
            case .crlScopeDistributionPoint: "CRL издателя {0} относится к другой точке распространения, чем указана в сертификате"
            case .crlScopeUserCertificates: "CRL издателя {0} охватывает только сертификаты конечных пользователей"
            case .crlScopeCACertificates: "CRL издателя {0} охватывает только сертификаты УЦ"
            case .crlScopeAttributeCertificates: "CRL издателя {0} охватывает только атрибутные сертификаты"
            case .crlSignerNoCRLSign: "CRL издателя {0} подписан «{1}», чей ключ не может подписывать CRL (нет cRLSign)"
            case .crlSignerUnverified: "подписант CRL «{0}» не проходит проверку до того же якоря доверия (цепочка, срок действия или отзыв)"
            case .crlUnhandledCriticalExtension: "CRL издателя {0} не используется: в нем неизвестное критическое расширение {1}"
            case .crlUnhandledCriticalEntryExtension: "CRL издателя {0} не используется: у записи неизвестное критическое расширение {1}"
            case .crlMalformedExtension: "CRL издателя {0} не используется: его расширение {1} не читается"
            case .policiesValid: "действительна для политик сертификатов {0}"
            case .policiesAny: "действительна для любой политики сертификатов"
            case .policiesNone: "ни одна политика сертификатов не действительна для всей цепочки; политика не требуется"
            case .policyNoValid: "ни одна политика сертификатов не действительна для всей цепочки, а политика требуется (сертификат на глубине {0})"
            case .policyNotAcceptable: "ни одна из действительных политик цепочки не входит в требуемые ({0})"
            case .policyAnyMapped: "сопоставление политик отображает anyPolicy или в anyPolicy (сертификат на глубине {0})"
            case .policyMalformed: "расширение {0} не читается (сертификат на глубине {1})"
            case .policyTreeTooLarge: "дерево политик сертификатов превышает предел (сертификат на глубине {0})"
            case .warningNoESS: "нет атрибута ESS signingCertificateV2: сертификат подписанта не привязан к подписи (это не CAdES-BES)"
            case .warningSigningTimeAfterTimestamp: "заявленное время подписания {0} позже метки времени {1}"
            case .warningTSARevocationUnknown: "метка времени принята, но статус отзыва неизвестен — {0}: {1}"
            case .warningRevokedAfterSigning: "{0} отозван {1}, уже после создания этой подписи"
            case .warningInvalidIIN: "у ИИН {0} неверная контрольная цифра"
            case .warningInvalidBIN: "у БИН {0} неверная контрольная цифра"
            case .warningNoIIN: "в сертификате нет ИИН (SERIALNUMBER=IIN…)"
            case .warningValidatedAsOfReceipt: "проверена на {0} — момент, когда хранилище получило подпись"
            case .warningAwaitingEvidence:
                "ожидает доказательств: сохранена без метки времени и данных об отзыве, которых требует политика хранилища (повторяется командой `{0}`)"
            }
        }

        var kazakh: String {
            switch self {
            case .verbatim: "{0}"
            case .signerCertificateNotFound: "қолтаңбадағы және сенім зәкірлеріндегі бірде-бір куәлік сәйкестендіргішке сәйкес келмейді: {0}"
            case .identifierIssuerSerial: "берген орталық {0}, сериялық нөмірі {1}"
            case .identifierKeyIdentifier: "субъект кілтінің сәйкестендіргіші {0}"
            case .signerCertificateByIssuerSerial: "берген орталығы мен сериялық нөмірі бойынша табылды: {0}"
            case .signerCertificateBoundByESS: "{0} куәлігі қолтаңбаға ESS signing-certificate атрибутымен байланған"
            case .signerCertificateESSMismatch: "ESS signing-certificate атрибуты басқа куәлікті көрсетеді"
            case .authenticityValid: "қолтаңба мәні {0} куәлігінің ашық кілтімен расталды"
            case .signatureDoesNotVerify: "қолтаңба мәні қол қоюшының ашық кілтімен расталмайды"
            case .signatureNoContent: "қолтаңбаны салыстыратын мазмұн жоқ"
            case .unsupportedAlgorithm: "қолдау көрсетілмейтін алгоритм: {0}"
            case .gostUnsupported: "ГОСТ 34.310 қолтаңбаларын OpenSSL арқылы тексеру мүмкін емес (алгоритм {0})"
            case .digestUnsupported: "қолдау көрсетілмейтін хэштеу алгоритмі {0}"
            case .keyUnusable: "қол қоюшы куәлігінің ашық кілтін ({0}) OpenSSL пайдалана алмайды"
            case .opensslCannotVerify: "OpenSSL бұл кілтпен {0} хэші бар қолтаңбаларды тексере алмайды{1}"
            case .detachedWithoutDocument: "қолтаңба бөлек берілген, ал құжат берілмеген"
            case .noSignedAttributes: "қол қойылған атрибуттар жоқ: қолтаңба мәні құжат хэшін тікелей қамтиды"
            case .noMessageDigest: "қол қойылған атрибуттарда messageDigest жоқ"
            case .digestAlgorithmUnsupported: "{0} хэштеу алгоритміне қолдау көрсетілмейді"
            case .digestMatches: "құжаттың {0} хэші қол қойылған messageDigest мәнімен сәйкес келеді"
            case .documentChanged: "құжат өзгертілген: оның {0} хэші {1}… қол қойылған {2}… мәнінен өзгеше"
            case .contentTypeDiffers: "contentType атрибуты ({0}) ішіндегі мазмұн түрінен өзгеше"
            case .formatTrailingData: "CMS нысанынан кейін тағы {0} байт бар: қолтаңба файлы дәл бір ASN.1 нысаны болуы керек"
            case .formatAttributeValueCount: "{0} атрибутының мәндері: {1}, ал дәл біреу болуы керек"
            case .formatRepeatedSignedAttribute: "қол қойылған {0} атрибуты {1} рет кездеседі, ал тек бір рет болуға тиіс"
            case .formatSignedAttributesNotDER: "қол қойылған атрибуттар DER түрінде кодталмаған (RFC 5652 § 5.4)"
            case .formatEmptySignedAttributes: "қол қойылған атрибуттар өрісі бар, бірақ ол бос (RFC 5652 § 5.3)"
            case .chainBuilt: "«{1}» сенім зәкіріне дейінгі тізбек, куәліктер саны: {0}"
            case .chainNoPath: "сенімді куәландырушы орталыққа жол жоқ: {0} (тізбектің {1}-деңгейіндегі куәлік)"
            case .chainProblem: "{0} (тізбектің {1}-деңгейіндегі куәлік)"
            case .x509UnableToGetIssuer: "берген орталықтың куәлігін алу мүмкін болмады"
            case .x509UnableToDecryptSignature: "куәліктің қолтаңбасын шешу мүмкін болмады"
            case .x509UnableToDecodeIssuerKey: "берген орталықтың ашық кілтін декодтау мүмкін болмады"
            case .x509CertificateSignatureFailure: "куәліктің қолтаңбасы жарамсыз"
            case .x509SelfSignedLeaf: "өзіне өзі қол қойған, сенім жоқ куәлік"
            case .x509SelfSignedInChain: "тізбекте өзіне өзі қол қойған, сенім жоқ куәлік бар"
            case .x509UnableToGetLocalIssuer: "берген орталықтың куәлігі сенімді куәліктер арасынан табылмады"
            case .x509UnableToVerifyLeaf: "тізбектің бірінші куәлігін тексеру мүмкін болмады"
            case .x509InvalidCA: "куәландырушы орталықтың куәлігі жарамсыз"
            case .x509PathLengthExceeded: "тізбек ұзындығының шектеуі асып кетті"
            case .x509InvalidPurpose: "куәліктің мақсатына қолдау көрсетілмейді"
            case .x509CertificateUntrusted: "куәлікке сенім жоқ"
            case .x509CertificateRejected: "куәлік қабылданбады"
            case .x509KeyUsageNoCertSign: "кілттің мақсатына куәліктерге қол қою кірмейді"
            case .x509UnhandledCriticalExtension: "өңделмеген маңызды кеңейтім"
            case .x509InvalidExtension: "куәліктің жарамсыз немесе қайшы кеңейтімі"
            case .x509ProfileViolation: "куәлік RFC 5280 куәліктер профилін бұзады"
            case .x509NameConstraintViolation: "атау сертификаттау жолының атау шектеулерінен тыс"
            case .keyUsageForbidsSignatures: "{0} кілт мақсаты қол қоюға рұқсат бермейді"
            case .authenticationKey: "бұл аутентификация кілті (AUTH): онымен жүйеге кіруге болады, бірақ құжаттарға қол қоюға болмайды"
            case .extendedKeyUsageWithoutSigning: "{0} кеңейтілген кілт мақсатына құжаттарға қол қою кірмейді"
            case .signingKey: "қол қою кілті ({0})"
            case .noKeyUsageExtension: "keyUsage кеңейтімі жоқ"
            case .certificateKeyUsageEmpty: "keyUsage кеңейтімінде бірде-бір бит орнатылмаған (RFC 5280 § 4.2.1.3)"
            case .certificateKeyCertSignWithoutCA: "keyUsage ішінде keyCertSign бар, бірақ куәлік куәландырушы орталықтың куәлігі емес (RFC 5280 § 4.2.1.3)"
            case .certificateIsCA: "куәландырушы орталықтың куәлігі (кілт мақсаты: {0})"
            case .whoCertificate: "куәлік"
            case .whoSigner: "қол қоюшының куәлігі"
            case .whoCA: "«{0}» куәландырушы орталығының куәлігі"
            case .momentTimestamped: "уақыт белгісі бойынша қол қою сәті, {0}"
            case .momentValidationTime: "тексеру уақыты, {0}"
            case .expired: "{0}: мерзімі {1} аяқталған, ал тексерілетін сәт кейінірек — {2}"
            case .notYetValid: "{0}: жарамдылығы тек {1} басталады, ал тексерілетін сәт ертерек — {2}"
            case .pathValid: "тізбектегі барлық куәлік тексерілетін сәтте жарамды болды — {0}"
            case .brokenDigest: "{0} енді қолтаңбалар үшін хэштеу алгоритмі ретінде жарамсыз"
            case .rsaTooShort: "RSA-{0} кілті талап етілетін {1} биттен қысқа"
            case .weakCertificateSignature: "{0} куәлігіне жарамсыз {1} алгоритмімен қол қойылған"
            case .algorithmsAcceptable: "{0}, кілт {1}"
            case .timestampUnreadable: "уақыт белгісін оқу мүмкін емес: {0}"
            case .timestampOverOtherData: "{0} уақыт белгісі осы қолтаңба мәніне емес, басқа деректерге қойылған"
            case .timestampWithoutSigner: "уақыт белгісінің қол қоюшысы жоқ"
            case .timestampWithoutTSACertificate: "уақыт белгісі қызметінің куәлігі белгіде жоқ"
            case .timestampDigestUnsupported: "уақыт белгісінің {0} хэштеу алгоритміне қолдау көрсетілмейді"
            case .timestampSignatureInvalid: "уақыт белгісінің қолтаңбасы уақыт белгісі қызметінің куәлігімен расталмайды"
            case .timestampContentAltered: "уақыт белгісінің TSTInfo құрылымы өзгертілген (messageDigest сәйкес келмейді)"
            case .timestampWithoutESS: "уақыт белгісі өз қызметінің куәлігін көрсетпейді (ESS signing-certificate атрибуты жоқ)"
            case .timestampESSMismatch: "уақыт белгісінің ESS signing-certificate атрибуты басқа куәлікті көрсетеді"
            case .timestampNotTSA: "«{0}» уақыт белгісі қызметі емес (id-kp-timeStamping EKU жоқ)"
            case .timestampTSAPurpose:
                "«{0}» уақыт белгісін бере алмайды: кеңейтілген кілт мақсаты маңызды (critical) болуы және тек id-kp-timeStamping қамтуы керек (RFC 3161 § 2.3)"
            case .timestampTSANotValid: "уақыт белгісі қызметінің куәлігі genTime {0} сәтінде жарамсыз болған"
            case .timestampTSANoChain: "«{0}» уақыт белгісі қызметі сенім зәкіріне тізбекпен байланбаған: {1}"
            case .timestampValid: "«{0}» берген, {1} уақытындағы RFC 3161 уақыт белгісі қолтаңба мәнін қамтиды; бұл — қол қою сәті"
            case .timestampTSARevokedBefore: "{0} {1} кері қайтарып алынған{2}, бұл уақыт белгісінің genTime {3} сәтінен бұрын ({4})"
            case .timestampTSACompromised:
                "{0} {1} кері қайтарып алынған{2}: кілттің құпиясы ашылған болуы мүмкін, сондықтан онымен берілген бірде-бір уақыт белгісіне сенуге болмайды ({3})"
            case .timestampTSARevokedAfter: "{0} {1} кері қайтарып алынған{2}, бұл уақыт белгісінің genTime {3} сәтінен кейін; бұрын берілген белгілер күшінде қалады ({4})"
            case .whoTSA: "уақыт белгісі қызметінің куәлігі"
            case .evidenceRecordValid: "дәлелдемелер жазбасы: деректер {0} кезінде болған («{1}» мұрағаттық уақыт белгісі, ұзартулар саны: {2}); бұл — бар болудың дәлелі"
            case .evidenceRecordInvalid: "дәлелдемелер жазбасы жарамсыз: {0}"
            case .evidenceRecordEmpty: "дәлелдемелер жазбасында мұрағаттық уақыт белгісі жоқ немесе оны салыстыратын дерек жоқ"
            case .evidenceRecordTimestampUnreadable: "{0}-мұрағаттық уақыт белгісін оқу мүмкін емес: {1}"
            case .evidenceRecordAlgorithmUnsupported: "{0}-мұрағаттық уақыт белгісі жол берілмейтін {1} хэштеу алгоритмін қолданады"
            case .evidenceRecordObjectNotCovered: "құжат немесе қолтаңба {0}-мұрағаттық уақыт белгісінің хэш ағашында жоқ"
            case .evidenceRecordRenewalBroken: "{0}-мұрағаттық уақыт белгісі алдыңғысын ұзартпайды"
            case .evidenceRecordRootMismatch: "{0}-мұрағаттық уақыт белгісінің хэш ағашы уақыт белгісі қызметі растаған мәнге апармайды"
            case .evidenceRecordTimestampInvalid: "{0}-мұрағаттық уақыт белгісі: {1}"
            case .evidenceRecordRenewalLate: "{0}-мұрағаттық уақыт белгісі қызметінің куәлігі {1} аяқталған, ұзартылғанға дейін ({2})"
            case .evidenceRecordTimestampValid: "«{1}» берген, {2} уақытындағы {0}-мұрағаттық уақыт белгісі жарамды"
            case .momentProofOfExistence: "дәлелдемелер жазбасы дәлелдеген сәт, {0}"
            case .revocationSignerIsAnchor: "қол қоюшының куәлігі өзі сенім зәкірі болып табылады"
            case .revocationNoData: "{0}: кері қайтарып алу мәртебесі туралы жарамды деректер жоқ: {1}{2}"
            case .revocationNothingAvailable: "CRL де, OCSP жауабы да жоқ"
            case .revocationOfflineHint: " (желісіз режим: деректерді қол қою кезінде қосыңыз, sign --revocation, немесе --crl беріңіз)"
            case .revocationGood: "{0} кері қайтарып алынбаған ({1})"
            case .revocationUnknown: "OCSP қызметі бұл куәлікті білмейді: {0} ({1})"
            case .revocationRevokedAfter: "{0} {1} кері қайтарып алынған{2}, бұл қол қою сәтінен ({3}) кейін ({4})"
            case .revocationRevokedBefore: "{0} {1} кері қайтарып алынған{2}, бұл қол қою сәтінен ({3}) бұрын ({4})"
            case .revocationReason: ", себебі: {0}"
            case .evidenceCRL: "{0} шығарылған CRL"
            case .evidenceOCSP: "«{0}» берген OCSP жауабы, {1}"
            case .crlSignatureInvalid: "CRL осы берген орталықты көрсетеді, бірақ оның қолтаңбасы орталықтың кілтімен расталмайды"
            case .crlExpired: "{0} шығарылған CRL мерзімі {1} аяқталған, бұл қол қою сәтінен бұрын"
            case .ocspUnreadable: "OCSP жауабын оқу мүмкін емес"
            case .ocspSignatureInvalid: "OCSP жауабының қолтаңбасы расталмайды"
            case .ocspUnauthorised: "OCSP жауабына «{0}» қол қойған, ал берген орталық оған мұндай өкілеттік бермеген (id-kp-OCSPSigning жоқ)"
            case .ocspStale: "{0} берілген OCSP жауабы қол қою сәтінен ({1}) 5 минуттан астам ертерек"
            case .ocspFetchFailed: "{0} мекенжайына OCSP сұрауы сәтсіз болды: {1}"
            case .crlFetchFailed: "{0} мекенжайынан CRL жүктеу сәтсіз болды: {1}"
            case .evidenceCRLWithDelta: "{0} шығарылған CRL және {1} шығарылған дельта-CRL"
            case .crlReasonsIncomplete: "{0} жарамды CRL-дері кері қайтарып алудың барлық себептерін қамтымайды"
            case .crlDeltaAlone: "{0} дельта-CRL-і (базалық CRL нөмірі {1}) толық CRL-сіз пайдаланылмайды"
            case .crlNotIndirect: "{0} үшін CRL-ді басқа орталық шығарған және ол куәлікте көрсетілген жанама CRL емес"
            case .crlScopeDistributionPoint: "{0} CRL-і куәліктегіден басқа тарату нүктесіне арналған"
            case .crlScopeUserCertificates: "{0} CRL-і тек соңғы пайдаланушылардың куәліктерін қамтиды"
            case .crlScopeCACertificates: "{0} CRL-і тек КО куәліктерін қамтиды"
            case .crlScopeAttributeCertificates: "{0} CRL-і тек атрибуттық куәліктерді қамтиды"
            case .crlSignerNoCRLSign: "{0} CRL-іне «{1}» қол қойған, оның кілті CRL-ге қол қоя алмайды (cRLSign жоқ)"
            case .crlSignerUnverified: "CRL-ге қол қоюшы «{0}» сол сенім зәкіріне дейін тексеруден өтпейді (тізбек, мерзім немесе кері қайтарып алу)"
            case .crlUnhandledCriticalExtension: "{0} CRL-і пайдаланылмайды: онда белгісіз сыни кеңейтім {1} бар"
            case .crlUnhandledCriticalEntryExtension: "{0} CRL-і пайдаланылмайды: жазбада белгісіз сыни кеңейтім {1} бар"
            case .crlMalformedExtension: "{0} CRL-і пайдаланылмайды: оның {1} кеңейтімі оқылмайды"
            case .policiesValid: "{0} куәлік саясаттары үшін жарамды"
            case .policiesAny: "кез келген куәлік саясаты үшін жарамды"
            case .policiesNone: "бүкіл тізбек үшін бірде-бір куәлік саясаты жарамды емес; саясат талап етілмейді"
            case .policyNoValid: "бүкіл тізбек үшін бірде-бір куәлік саясаты жарамды емес, ал саясат талап етіледі (тізбектің {0}-деңгейіндегі куәлік)"
            case .policyNotAcceptable: "тізбектің жарамды саясаттарының ешқайсысы талап етілгендердің ішінде жоқ ({0})"
            case .policyAnyMapped: "саясаттарды сәйкестендіру anyPolicy-ге немесе anyPolicy-ден бейнелейді (тізбектің {0}-деңгейіндегі куәлік)"
            case .policyMalformed: "{0} кеңейтімі оқылмайды (тізбектің {1}-деңгейіндегі куәлік)"
            case .policyTreeTooLarge: "куәлік саясаттарының ағашы шектен асады (тізбектің {0}-деңгейіндегі куәлік)"
            case .warningNoESS: "ESS signingCertificateV2 атрибуты жоқ: қол қоюшының куәлігі қолтаңбаға байланбаған (бұл CAdES-BES емес)"
            case .warningSigningTimeAfterTimestamp: "мәлімделген қол қою уақыты {0} уақыт белгісінен {1} кейін тұр"
            case .warningTSARevocationUnknown: "уақыт белгісі қабылданды, бірақ кері қайтарып алу мәртебесі белгісіз — {0}: {1}"
            case .warningRevokedAfterSigning: "{0} {1} кері қайтарып алынған, бұл қолтаңба қойылғаннан кейін"
            case .warningInvalidIIN: "{0} ЖСН-ның бақылау саны қате"
            case .warningInvalidBIN: "{0} БСН-ның бақылау саны қате"
            case .warningNoIIN: "куәлікте ЖСН жоқ (SERIALNUMBER=IIN…)"
            case .warningValidatedAsOfReceipt: "{0} сәтіне тексерілді — қойма қолтаңбаны алған сәт"
            case .warningAwaitingEvidence:
                "дәлелдемелерді күтуде: қойма саясаты талап ететін уақыт белгісі мен кері қайтарып алу деректерінсіз сақталды (`{0}` командасымен қайталанады)"
            }
        }
    }
}
