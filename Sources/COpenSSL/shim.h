#ifndef EDS_COPENSSL_SHIM_H
#define EDS_COPENSSL_SHIM_H

// OpenSSL 3 headers used by EDSCrypto, and tiny inline wrappers for the macros Swift cannot import.
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/http.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>

static inline void eds_openssl_free(void *pointer) { OPENSSL_free(pointer); }

static inline long eds_bio_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }

static inline int eds_bio_reset(BIO *bio) { return (int)BIO_reset(bio); }

// Stacks: the sk_TYPE_* helpers are macros in OpenSSL 3.
static inline STACK_OF(X509) *eds_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int eds_sk_X509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }
static inline X509 *eds_sk_X509_value(const STACK_OF(X509) *stack, int index) { return sk_X509_value(stack, index); }
static inline int eds_sk_X509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }
static inline void eds_sk_X509_free(STACK_OF(X509) *stack) { sk_X509_free(stack); }
static inline void eds_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }

static inline int eds_sk_X509_CRL_num(const STACK_OF(X509_CRL) *stack) { return sk_X509_CRL_num(stack); }
static inline X509_CRL *eds_sk_X509_CRL_value(const STACK_OF(X509_CRL) *stack, int index) { return sk_X509_CRL_value(stack, index); }
static inline void eds_sk_X509_CRL_pop_free(STACK_OF(X509_CRL) *stack) { sk_X509_CRL_pop_free(stack, X509_CRL_free); }

static inline int eds_sk_CMS_SignerInfo_num(const STACK_OF(CMS_SignerInfo) *stack) { return sk_CMS_SignerInfo_num(stack); }
static inline CMS_SignerInfo *eds_sk_CMS_SignerInfo_value(const STACK_OF(CMS_SignerInfo) *stack, int index) { return sk_CMS_SignerInfo_value(stack, index); }

static inline int eds_sk_ASN1_OBJECT_num(const STACK_OF(ASN1_OBJECT) *stack) { return sk_ASN1_OBJECT_num(stack); }
static inline ASN1_OBJECT *eds_sk_ASN1_OBJECT_value(const STACK_OF(ASN1_OBJECT) *stack, int index) { return sk_ASN1_OBJECT_value(stack, index); }

static inline int eds_sk_GENERAL_NAME_num(const GENERAL_NAMES *stack) { return sk_GENERAL_NAME_num(stack); }
static inline GENERAL_NAME *eds_sk_GENERAL_NAME_value(const GENERAL_NAMES *stack, int index) { return sk_GENERAL_NAME_value(stack, index); }

static inline int eds_sk_POLICYINFO_num(const CERTIFICATEPOLICIES *stack) { return sk_POLICYINFO_num(stack); }
static inline POLICYINFO *eds_sk_POLICYINFO_value(const CERTIFICATEPOLICIES *stack, int index) { return sk_POLICYINFO_value(stack, index); }

static inline int eds_sk_DIST_POINT_num(const CRL_DIST_POINTS *stack) { return sk_DIST_POINT_num(stack); }
static inline DIST_POINT *eds_sk_DIST_POINT_value(const CRL_DIST_POINTS *stack, int index) { return sk_DIST_POINT_value(stack, index); }

static inline int eds_sk_ACCESS_DESCRIPTION_num(const AUTHORITY_INFO_ACCESS *stack) { return sk_ACCESS_DESCRIPTION_num(stack); }
static inline ACCESS_DESCRIPTION *eds_sk_ACCESS_DESCRIPTION_value(const AUTHORITY_INFO_ACCESS *stack, int index) { return sk_ACCESS_DESCRIPTION_value(stack, index); }

static inline int eds_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *stack) { return sk_X509_REVOKED_num(stack); }
static inline X509_REVOKED *eds_sk_X509_REVOKED_value(const STACK_OF(X509_REVOKED) *stack, int index) { return sk_X509_REVOKED_value(stack, index); }

static inline int eds_sk_OCSP_SINGLERESP_count(OCSP_BASICRESP *basic) { return OCSP_resp_count(basic); }

// Extension structures are freed with their ASN.1 item's free function.
static inline void eds_extended_key_usage_free(EXTENDED_KEY_USAGE *eku) { EXTENDED_KEY_USAGE_free(eku); }
static inline void eds_certificate_policies_free(CERTIFICATEPOLICIES *policies) { CERTIFICATEPOLICIES_free(policies); }
static inline void eds_crl_dist_points_free(CRL_DIST_POINTS *points) { CRL_DIST_POINTS_free(points); }
static inline void eds_authority_info_access_free(AUTHORITY_INFO_ACCESS *aia) { AUTHORITY_INFO_ACCESS_free(aia); }
static inline void eds_asn1_bit_string_free(ASN1_BIT_STRING *bits) { ASN1_BIT_STRING_free(bits); }
static inline void eds_basic_constraints_free(BASIC_CONSTRAINTS *bc) { BASIC_CONSTRAINTS_free(bc); }

// PKCS#12 bags, walked by hand for GOST keys (PKCS12_parse cannot decode them).
static inline int eds_sk_PKCS7_num(const STACK_OF(PKCS7) *stack) { return sk_PKCS7_num(stack); }
static inline PKCS7 *eds_sk_PKCS7_value(const STACK_OF(PKCS7) *stack, int index) { return sk_PKCS7_value(stack, index); }
static inline void eds_sk_PKCS7_pop_free(STACK_OF(PKCS7) *stack) { sk_PKCS7_pop_free(stack, PKCS7_free); }
static inline int eds_pkcs7_type_nid(const PKCS7 *p7) { return OBJ_obj2nid(p7->type); }
static inline int eds_sk_PKCS12_SAFEBAG_num(const STACK_OF(PKCS12_SAFEBAG) *stack) { return sk_PKCS12_SAFEBAG_num(stack); }
static inline PKCS12_SAFEBAG *eds_sk_PKCS12_SAFEBAG_value(const STACK_OF(PKCS12_SAFEBAG) *stack, int index) { return sk_PKCS12_SAFEBAG_value(stack, index); }
static inline void eds_sk_PKCS12_SAFEBAG_pop_free(STACK_OF(PKCS12_SAFEBAG) *stack) { sk_PKCS12_SAFEBAG_pop_free(stack, PKCS12_SAFEBAG_free); }
static inline STACK_OF(PKCS12_SAFEBAG) *eds_sk_PKCS12_SAFEBAG_new_null(void) { return sk_PKCS12_SAFEBAG_new_null(); }
static inline int eds_sk_PKCS12_SAFEBAG_push(STACK_OF(PKCS12_SAFEBAG) *stack, PKCS12_SAFEBAG *bag) { return sk_PKCS12_SAFEBAG_push(stack, bag); }

// The key-derivation work a PKCS#12 file asks for, read before OpenSSL does it (issue 23: a MAC iteration count of
// 2^31-1 ran for minutes before the password was checked).
static inline const X509_ALGOR *eds_pkcs7_encrypted_algorithm(const PKCS7 *p7) {
    if (OBJ_obj2nid(p7->type) != NID_pkcs7_encrypted || p7->d.encrypted == NULL || p7->d.encrypted->enc_data == NULL) return NULL;
    return p7->d.encrypted->enc_data->algorithm;
}

// An ASN1_INTEGER as a count: -1 when it is negative or does not fit 63 bits.
static inline int64_t eds_asn1_count(const ASN1_INTEGER *value) {
    int64_t result = 0;
    if (value == NULL) return 1;
    if (ASN1_INTEGER_get_int64(&result, value) != 1 || result < 0) { ERR_clear_error(); return -1; }
    return result;
}

static inline int64_t eds_saturating_multiply(int64_t a, int64_t b) {
    if (a < 0 || b < 0) return -1;
    if (a != 0 && b > INT64_MAX / a) return INT64_MAX;
    return a * b;
}

// Iterations of a password-based algorithm: PKCS#12 and PKCS#5 v1 PBE, PBES2 with PBKDF2, or scrypt's N*r*p; 0 for an
// algorithm that is not password-based; -1 for parameters that cannot be read (then OpenSSL cannot use them either).
static inline int64_t eds_pbe_iterations(const X509_ALGOR *alg) {
    if (alg == NULL || alg->algorithm == NULL) return -1;
    int nid = OBJ_obj2nid(alg->algorithm);
    int64_t result = -1;
    if (nid == NID_pbes2) {
        PBE2PARAM *pbe2 = alg->parameter ? ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter) : NULL;
        if (pbe2 != NULL && pbe2->keyfunc != NULL && pbe2->keyfunc->parameter != NULL) {
            int kdf = OBJ_obj2nid(pbe2->keyfunc->algorithm);
            if (kdf == NID_id_pbkdf2) {
                PBKDF2PARAM *kdfParameters = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
                if (kdfParameters != NULL) result = eds_asn1_count(kdfParameters->iter);
                PBKDF2PARAM_free(kdfParameters);
            } else if (kdf == NID_id_scrypt) {
                SCRYPT_PARAMS *scrypt = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS), pbe2->keyfunc->parameter);
                if (scrypt != NULL) {
                    result = eds_saturating_multiply(
                        eds_saturating_multiply(eds_asn1_count(scrypt->costParameter), eds_asn1_count(scrypt->blockSize)),
                        eds_asn1_count(scrypt->parallelizationParameter));
                }
                SCRYPT_PARAMS_free(scrypt);
            }
        }
        PBE2PARAM_free(pbe2);
    } else if (EVP_PBE_find(EVP_PBE_TYPE_OUTER, nid, NULL, NULL, NULL)) {
        PBEPARAM *pbe = alg->parameter ? ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), alg->parameter) : NULL;
        if (pbe != NULL) result = eds_asn1_count(pbe->iter);
        PBEPARAM_free(pbe);
    } else {
        result = 0;
    }
    ERR_clear_error();
    return result;
}

// The MAC's iteration count (1 when the file omits it), or -1 when it cannot be read; 0 when there is no MAC.
static inline int64_t eds_pkcs12_mac_iterations(const PKCS12 *p12) {
    const ASN1_INTEGER *iterations = NULL;
    if (!PKCS12_mac_present(p12)) return 0;
    PKCS12_get0_mac(NULL, NULL, NULL, &iterations, p12);
    return eds_asn1_count(iterations);
}

#endif
