/* vouch_names.h: the names a certificate gives for its subject, for the operator's
 * allowed lists (common names, organizational units, DNS / email / URI SANs) and for
 * audit records (serial, key identifiers). */
#ifndef VOUCH_NAMES_H
#define VOUCH_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VOUCH_NAME_CN = 1,    /* subject commonName */
    VOUCH_NAME_OU = 2,    /* subject organizationalUnitName */
    VOUCH_NAME_O = 3,     /* subject organizationName */
    VOUCH_NAME_DNS = 4,   /* subjectAltName dNSName */
    VOUCH_NAME_EMAIL = 5, /* subjectAltName rfc822Name, and subject emailAddress */
    VOUCH_NAME_URI = 6,   /* subjectAltName uniformResourceIdentifier */
    VOUCH_NAME_IP = 7,    /* subjectAltName iPAddress: 4 or 16 raw bytes */
    VOUCH_NAME_SERIAL = 8,           /* serialNumber: the INTEGER's content bytes */
    VOUCH_NAME_SUBJECT_KEY_ID = 9,   /* subjectKeyIdentifier bytes */
    VOUCH_NAME_AUTHORITY_KEY_ID = 10 /* authorityKeyIdentifier keyIdentifier bytes */
} vouch_name_kind;

typedef struct {
    int kind;             /* a vouch_name_kind */
    int tag;              /* the DER string tag of subject attributes (UTF8String 0x0c,
                           * PrintableString 0x13, BMPString 0x1e, ...); 0 for the others */
    const uint8_t *value; /* borrowed: points into the certificate's DER */
    size_t len;
} vouch_name;

/* Lists the names of one DER certificate (read strictly, as verification reads it) in
 * the order they appear. Fills at most `cap` entries of `out` and sets *count to the
 * number of names the certificate has (which may be more than cap: call again with
 * room). The values borrow from `der`. 0, or VOUCH_E_DER / VOUCH_E_ARG. */
int vouch_cert_names(const uint8_t *der, size_t len, vouch_name *out, size_t cap, size_t *count);

#ifdef __cplusplus
}
#endif
#endif
