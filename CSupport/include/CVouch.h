/* CVouch.h: the C core's umbrella header. */
#include "vouch_error.h"
#include "vouch_truststore.h"
#include "vouch_crl.h"
#include "vouch_verify.h"
#include "vouch_names.h"
#include "vouch_secret.h"
#include "vouch_ed25519.h"
#include "vouch_json.h"
