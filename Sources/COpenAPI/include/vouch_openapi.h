// vouch_openapi.h: the API's OpenAPI document (openapi.json beside openapi.c), compiled
// into the binary as bytes by the C compiler's #embed, which takes a large file in
// milliseconds where a Swift array literal of the same bytes took the compiler minutes.
#ifndef VOUCH_OPENAPI_H
#define VOUCH_OPENAPI_H
#include <stddef.h>

/// The document's bytes (UTF-8 JSON, not NUL-terminated, static); their count in *len.
const unsigned char *vouch_openapi_json(size_t *len);

#endif
