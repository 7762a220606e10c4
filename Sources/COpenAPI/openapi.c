// openapi.c: see vouch_openapi.h. A change to openapi.json rebuilds this file (the
// compiler lists embedded files among its dependencies).
#include "vouch_openapi.h"

#pragma clang diagnostic ignored "-Wc23-extensions"

static const unsigned char document[] = {
#embed "openapi.json"
};

const unsigned char *vouch_openapi_json(size_t *len) {
    *len = sizeof document;
    return document;
}
