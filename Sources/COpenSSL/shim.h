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

#endif
