/* vouch_hcl.h: the part of HCL (version 1, HashiCorp's configuration language) that Vault
 * policies are written in, converted to JSON (jansson) in the shape of HCL's JSON form, so
 * that one reader serves a policy written either way.
 *
 * The document is a body: `key = value` assignments and blocks `ident "label" ... { body }`,
 * separated by whitespace or an optional comma. Keys and labels are identifiers
 * ([A-Za-z_][A-Za-z0-9_.-]*) or double-quoted strings. Values: double-quoted strings
 * (backslash escapes " \ n r t a b f v, uXXXX and UXXXXXXXX; `${` is plain text), heredocs
 * (<<EOF / <<-EOF, the second with the closing line's indentation taken off every line
 * when every line has it, as HCL does), decimal numbers (JSON's grammar), true, false,
 * lists [a, b,] and objects { k = v }. Comments: hash and double-slash to the end of
 * the line, and unnested slash-star ... star-slash.
 *
 * The JSON: an assignment is a member; a block `path "secret/data/app" { ... }` is the member
 * {"path": {"secret/data/app": { ...body... }}}; blocks with the same identifier and different
 * labels share the outer objects; the same identifier and labels again (Vault's parser
 * keeps every one) make the innermost value a list of the bodies in document order:
 * {"path": {"secret/data/app": [{...}, {...}]}}. Members keep document order.
 *
 * Refused, with the line and column (1-based, columns in characters): NUL bytes, invalid
 * UTF-8, unterminated strings, comments, heredocs, lists and objects, unknown escapes,
 * uXXXX escapes of surrogates or NUL, a key assigned twice in one object (or assigned and
 * also used by a block, or blocks of different shapes under one key), numbers out of
 * range or not decimal, unquoted words other than true / false, nesting deeper than
 * max_depth (counted as JSON depth; a block's body counts one level more, for the list
 * that repeated blocks make), and documents over max_bytes. No recursion goes deeper
 * than max_depth (at most 256). */
#ifndef VOUCH_HCL_H
#define VOUCH_HCL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "vouch_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Converts the HCL document of exactly `len` bytes. On success *out is a new JSON object
 * the caller releases with json_decref (vouch_json_release from Swift). VOUCH_E_DER
 * (malformed, with "line L, column C: reason" in diag), VOUCH_E_TOO_LARGE, VOUCH_E_NOMEM
 * or VOUCH_E_ARG (max_depth 0 or over 256). */
int vouch_hcl_to_json(const uint8_t *data, size_t len, size_t max_depth, size_t max_bytes, json_t **out, vouch_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
