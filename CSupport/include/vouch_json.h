/* vouch_json.h: strict JSON (jansson) for request bodies and, later, JWT headers and
 * claims: duplicate member names, NUL characters, trailing data and nesting deeper than
 * asked are refused, with the line and column. */
#ifndef VOUCH_JSON_H
#define VOUCH_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parses one JSON value of exactly `len` bytes. On success *out is a new reference the
 * caller releases with json_decref. VOUCH_E_DER (malformed or too deep) with the reason
 * in diag, VOUCH_E_TOO_LARGE, or VOUCH_E_ARG. */
int vouch_json_parse(const uint8_t *data, size_t len, size_t max_depth, size_t max_bytes, json_t **out, vouch_diag *diag);

/* json_typeof is a macro Swift cannot call: the value's json_type, -1 for NULL. */
int vouch_json_type(const json_t *v);
/* json_decref is inline: this releases a reference from Swift. */
void vouch_json_release(json_t *v);

#ifdef __cplusplus
}
#endif
#endif
