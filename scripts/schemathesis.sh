#!/usr/bin/env bash
# schemathesis.sh URL ADMIN_TOKEN: tests a running Vouch server against its own OpenAPI
# document (URL/openapi.json) with schemathesis (PyPI). It passes only with no 5xx, every
# response's status, Content-Type and body as documented, and every request the document
# calls invalid refused (the document is never stricter than the server); it exits non-zero
# otherwise.
#
# First it seeds, with curl, the openssl CLI, ssh-keygen and PyJWT, what operations on real
# objects need: three identities with TLS certificate auth (a throwaway CA), JWT, OIDC and
# Kubernetes auth (throwaway keys; Kubernetes in local review mode for the login identity), a
# cert role and a CRL, jwt and kubernetes mounts (the default ones and one enabled through
# sys/auth each) with a config and a role, a JWT and a service-account token that log in, ssh
# secrets mounts (the default ssh/ and st-ssh/, enabled through sys/mounts) with an Ed25519 CA
# and roles, an Ed25519 public key to sign, ACL policies (HCL; st-sign, held by the login
# identity's tokens, lets them sign and issue), Infisical SSH CAs (an Ed25519 one made by the
# server, an external one from ssh-keygen, and two for the patches and deletes) with
# certificate templates, certificates signed on a CA and on ssh/ (one of each revoked), the
# ETags of two KRLs, and, when the server believes 127.0.0.1's client-certificate header
# (--trusted-proxy 127.0.0.1/32), access tokens from real logins.
# The server must be fresh (the seeds' names are fixed: a second run is refused at the seeds).
# Schemathesis then draws identity ids, role, CRL, mount and policy names, CA and template ids,
# serial numbers, KRL ETags, the certificate header, tokens and the public key from those seeds
# part of the time (random values otherwise), sends the admin token where the document asks for
# it (and to sign and issue SSH certificates and ask sys/capabilities-self, in turn with an
# access token when there is one), and follows the document's links.
# JWT, OIDC and Kubernetes logins may answer 503 (a documented answer: an issuer's keys or the
# Kubernetes API cannot be reached, as with the unreachable ones seeded and fuzzed here).
#
# Bounded: the run stops after ST_MAX_TIME seconds (default 120; fuzzing and stateful tests
# repeat, ST_MAX_EXAMPLES test cases per operation at a time (default 25), until then).
# ST_SEED fixes the random seed (a run prints its seed); VOUCH_OPENAPI (a file or URL) tests
# against another copy of the document (one being edited) instead of the one the server
# serves; ST_ARGS adds schemathesis options (e.g. "--report har").
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 URL ADMIN_TOKEN" >&2; exit 2; }
URL=${1%/}
export VOUCH_ST_ADMIN=$2
SCHEMA=${VOUCH_OPENAPI:-$URL/openapi.json}
MAX_EXAMPLES=${ST_MAX_EXAMPLES:-25}
MAX_TIME=${ST_MAX_TIME:-120}
# the CLI of the python3 that scripts/install-deps.sh installs into (its `st` may not be on PATH)
st() { python3 -c 'from schemathesis.cli import schemathesis; schemathesis(prog_name="st")' "$@"; }
python3 -c 'import schemathesis' 2>/dev/null ||
  { echo "schemathesis is not installed (scripts/install-deps.sh installs it)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# --- seeds --------------------------------------------------------------------------------
q() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 2; }; }
# admin call: METHOD PATH [JSON]; prints the body, fails on anything but 2xx
admin() {
  curl -sS --fail-with-body --max-time 30 -X "$1" -H "Authorization: Bearer $VOUCH_ST_ADMIN" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$URL$2"
}
json() { python3 -c "import json, sys; print(json.dumps($1))" "${@:2}"; }
field() { python3 -c "import json, sys; v = json.load(sys.stdin)
for k in sys.argv[1].split('.'): v = v[k]
print(v)" "$1"; }

cat > openssl.cnf <<'CNF'
[req]
distinguished_name=dn
[dn]
[ca_ext]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
[client_ext]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
[ca]
default_ca=crl
[crl]
database=index.txt
crlnumber=crlnumber
default_md=sha256
default_crl_days=2
CNF
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client.key
q openssl req -config openssl.cnf -new -x509 -key ca.key -subj "/CN=schemathesis CA" -days 2 -extensions ca_ext -out ca.pem
q openssl req -config openssl.cnf -new -key client.key -subj "/CN=st-client" -out client.csr
q openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -days 1 -extfile openssl.cnf -extensions client_ext \
  -set_serial "0x$(openssl rand -hex 16)" -out client.pem
: > index.txt
echo 01 > crlnumber
q openssl ca -config openssl.cnf -gencrl -keyfile ca.key -cert ca.pem -out ca.crl
CLIENT_CERT_HEADER=$(python3 -c "import sys, urllib.parse; print(urllib.parse.quote(open('client.pem').read(), safe=''))")

curl -sS --fail --max-time 10 -o /dev/null "$URL/healthz"
suffix=$(openssl rand -hex 4)
attach=$(json '{"caCertificate": open("ca.pem").read()}')
# Vault ACL policies (HCL): st-sign (identity c's: its tokens sign and issue under every ssh
# role and Infisical template: Infisical's calls are checked as paths under sys/ssh/), st-read
# (Infisical's CAs, their templates and certificates, and the ACL policies), and st-put and
# st-del for the writes and deletes
policy() { admin PUT "/v1/sys/policies/acl/$1" "$(json '{"policy": sys.argv[1]}' "$2")"; }
policy st-sign 'path "+/sign/*" { capabilities = ["update"] }
path "+/issue/*" { capabilities = ["update"] }
path "sys/ssh/templates/+/sign" { capabilities = ["update"] }
path "sys/ssh/templates/+/issue" { capabilities = ["update"] }'
policy st-read 'path "sys/ssh/cas" { capabilities = ["list"] }
path "sys/ssh/cas/*" { capabilities = ["read", "list"] }
path "sys/policies/acl/*" { capabilities = ["read"] }'
for n in st-put st-del; do policy "$n" 'path "st/*" { capabilities = ["deny"] }'; done

ids=()
for n in a b c; do
  id=$(admin POST /api/v1/identities "$(json '{"name": sys.argv[1], "policies": ["st-sign"] if sys.argv[2] == "c" else []}' \
    "st-$n-$suffix" "$n")" | field identity.id)
  admin POST "/api/v1/auth/tls-cert-auth/identities/$id" "$attach" >/dev/null
  ids+=("$id")
done
# a and b for the identity operations (deletes only b), c for logins only
ID_A=${ids[0]} ID_B=${ids[1]} ID_C=${ids[2]}
admin PUT /v1/auth/cert/certs/st-role "$(json '{"certificate": open("ca.pem").read()}')"
admin PUT /v1/auth/cert/crls/st-crl "$(json '{"crl": open("ca.crl").read()}')"

# JWT and OIDC auth on identities a, b and c, and Vault jwt mounts (jwt/ and st-jwt/) with a
# config and roles (st-del for the deletes), keys from a throwaway EC key; a token for the logins (ES256, aud st)
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out jwt.key
q openssl pkey -in jwt.key -pubout -out jwt.pub
for id in "$ID_A" "$ID_B" "$ID_C"; do
  admin POST "/api/v1/auth/jwt-auth/identities/$id" \
    "$(json '{"configurationType": "static", "publicKeys": [open("jwt.pub").read()], "boundAudiences": "st"}')" >/dev/null
  admin POST "/api/v1/auth/oidc-auth/identities/$id" '{"oidcDiscoveryUrl": "https://127.0.0.1:9"}' >/dev/null
done
admin PUT /v1/sys/auth/st-jwt '{"type": "jwt"}'
for m in jwt st-jwt; do
  admin PUT "/v1/auth/$m/config" "$(json '{"jwt_validation_pubkeys": [open("jwt.pub").read()], "default_role": "st-role"}')"
  for r in st-role st-del; do
    admin PUT "/v1/auth/$m/role/$r" '{"role_type": "jwt", "user_claim": "sub", "bound_audiences": "st"}'
  done
done
JWT=$(python3 -c 'import jwt, time; t = int(time.time())
print(jwt.encode({"sub": "st", "aud": "st", "iat": t, "exp": t + 3600}, open("jwt.key").read(), algorithm="ES256"))')

# Kubernetes auth on identities a and b (mode api, an API server that cannot be reached: logins
# answer 503) and c (mode local with a throwaway RSA key: the service-account token below logs
# in), and Vault kubernetes mounts (kubernetes/ and st-k8s/) in mode local with roles
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out k8s.key
q openssl pkey -in k8s.key -pubout -out k8s.pub
for id in "$ID_A" "$ID_B"; do
  admin POST "/api/v1/auth/kubernetes-auth/identities/$id" \
    '{"kubernetesHost": "https://127.0.0.1:9", "allowedNamespaces": "prod", "allowedNames": "api"}' >/dev/null
done
admin POST "/api/v1/auth/kubernetes-auth/identities/$ID_C" "$(json '{"kubernetesHost": "https://127.0.0.1:9",
  "tokenReviewMode": "local", "pemKeys": [open("k8s.pub").read()], "issuer": "https://kubernetes.default.svc.cluster.local",
  "allowedNamespaces": "prod", "allowedNames": "api"}')" >/dev/null
admin PUT /v1/sys/auth/st-k8s '{"type": "kubernetes"}'
for m in kubernetes st-k8s; do
  admin PUT "/v1/auth/$m/config" "$(json '{"kubernetes_host": "https://127.0.0.1:9", "token_review_mode": "local",
    "pem_keys": [open("k8s.pub").read()], "issuer": "https://kubernetes.default.svc.cluster.local"}')"
  for r in st-role st-del; do
    admin PUT "/v1/auth/$m/role/$r" '{"bound_service_account_names": "api", "bound_service_account_namespaces": "prod"}'
  done
done
K8S_JWT=$(python3 -c 'import jwt, time; t = int(time.time()); k = "https://kubernetes.default.svc.cluster.local"
print(jwt.encode({"iss": k, "sub": "system:serviceaccount:prod:api", "aud": [k], "exp": t + 3600,
  "kubernetes.io": {"namespace": "prod", "serviceaccount": {"name": "api", "uid": "u1"}}}, open("k8s.key").read(), algorithm="RS256"))')

# Vault's ssh secrets engine: Ed25519 CAs on ssh/ (the default mount) and st-ssh/ (enabled
# through sys/mounts), roles st-role (user certificates for any user, root by default, host
# certificates for any host, any extension, key ids) and st-del (for the deletes), and an
# Ed25519 public key (ssh-keygen) the sign requests sometimes carry
admin PUT /v1/ssh/config/ca '{"generate_signing_key": true, "key_type": "ssh-ed25519"}' >/dev/null
admin PUT /v1/sys/mounts/st-ssh '{"type": "ssh"}'
admin PUT /v1/st-ssh/config/ca '{"generate_signing_key": true, "key_type": "ssh-ed25519"}' >/dev/null
for m in ssh st-ssh; do
  admin PUT "/v1/$m/roles/st-role" '{"key_type": "ca", "allowed_users": "*", "default_user": "root",
    "allow_user_certificates": true, "allow_host_certificates": true, "allowed_domains": "*", "allowed_extensions": "*",
    "allow_user_key_ids": true}'
  admin PUT "/v1/$m/roles/st-del" '{"key_type": "ca", "allowed_users": "*", "allow_user_certificates": true}'
done
q ssh-keygen -q -t ed25519 -N '' -C st -f ssh_key
SSH_PUBLIC_KEY=$(cat ssh_key.pub)

# Infisical's SSH CAs: st-ca (Ed25519, made by the server) with templates st-tpl (any user or
# host, custom key ids: signing uses it), st-put (for the patches) and st-del (for the deletes);
# st-ext (external: an Ed25519 key from ssh-keygen); st-ca-put (for the patches; nothing is
# revoked there, so its KRL's ETag stays current) and st-ca-del (for the deletes). Two
# certificates signed under st-tpl (decimal serials) and two under ssh/'s st-role (hex), one of
# each revoked; the ETags of st-ca-put's and st-ssh/'s KRLs (nothing revoked: If-None-Match 304s)
ssh_ca() { admin POST /api/v1/ssh/cas "$1" | field ca.id; }
CA_MAIN=$(ssh_ca '{"friendlyName": "st-ca", "keyAlgorithm": "ED25519"}')
q ssh-keygen -q -t ed25519 -N '' -C st-ext -f ext_ca
CA_EXT=$(ssh_ca "$(json '{"friendlyName": "st-ext", "keySource": "external", "publicKey": open("ext_ca.pub").read(),
  "privateKey": open("ext_ca").read()}')")
CA_PUT=$(ssh_ca '{"friendlyName": "st-ca-put"}')
CA_DEL=$(ssh_ca '{"friendlyName": "st-ca-del"}')
template() {
  admin POST /api/v1/ssh/certificate-templates "$(json '{"sshCaId": sys.argv[1], "name": sys.argv[2], "allowedUsers": ["*"],
    "allowedHosts": ["*"], "allowUserCertificates": True, "allowHostCertificates": True, "allowCustomKeyIds": True}' \
    "$CA_MAIN" "$1")" | field id
}
TPL=$(template st-tpl)
TPL_PUT=$(template st-put)
TPL_DEL=$(template st-del)
sign_ssh() {
  admin POST /api/v1/ssh/certificates/sign "$(json '{"certificateTemplateId": sys.argv[1], "publicKey": sys.argv[2],
    "principals": ["root"]}' "$TPL" "$SSH_PUBLIC_KEY")" | field serialNumber
}
SERIAL=$(sign_ssh)
SERIAL_REVOKED=$(sign_ssh)
admin POST "/api/v1/ssh/cas/$CA_MAIN/revoke" "{\"serialNumber\": \"$SERIAL_REVOKED\"}" >/dev/null
vault_sign() { admin PUT /v1/ssh/sign/st-role "$(json '{"public_key": sys.argv[1]}' "$SSH_PUBLIC_KEY")" | field data.serial_number; }
VSERIAL=$(vault_sign)
VSERIAL_REVOKED=$(vault_sign)
admin PUT /v1/ssh/revoke "{\"serial_number\": \"$VSERIAL_REVOKED\"}" >/dev/null
etag() { curl -sS --fail --max-time 10 -D - -o /dev/null "$URL$1" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'; }
ETAG_CA_PUT=$(etag "/api/v1/ssh/cas/$CA_PUT/krl")
ETAG_ST_SSH=$(etag /v1/st-ssh/krl)
CA_MAIN_UPPER=$(printf %s "$CA_MAIN" | tr a-f A-F)

# tokens of identity c; none when the server does not trust this proxy
login() {
  curl -sS --max-time 30 -X POST -H "X-SSL-Client-Cert: $CLIENT_CERT_HEADER" -H 'Content-Type: application/json' \
    --data-binary "{\"identityId\":\"$ID_C\"}" "$URL/api/v1/auth/tls-cert-auth/login" |
    python3 -c "import json, sys; print(json.load(sys.stdin).get('accessToken', ''))"
}
TOKEN_USE=$(login)
if [ -n "$TOKEN_USE" ]; then
  # st-sign must let it sign and issue on both APIs (a policy path that no longer matches would
  # only show as 403s the document allows)
  curl -sS --fail-with-body --max-time 30 -X POST -H "X-Vault-Token: $TOKEN_USE" -H 'Content-Type: application/json' \
    --data-binary "$(json '{"paths": ["sys/ssh/templates/" + sys.argv[1] + "/" + a for a in ("sign", "issue")]
      + ["ssh/sign/st-role", "ssh/issue/st-role"]}' "$TPL")" "$URL/v1/sys/capabilities-self" |
    python3 -c 'import json, sys; a = json.load(sys.stdin)
bad = [p for p, c in a["data"].items() if p != "capabilities" and "update" not in c]
sys.exit("st-sign does not grant update on " + ", ".join(bad) if bad else 0)'
  TOKEN_RENEW_SELF=$(login) TOKEN_REVOKE_SELF=$(login) TOKEN_RENEW=$(login) TOKEN_REVOKE=$(login)
  echo "seeded 3 identities, cert role st-role, CRL st-crl, jwt, kubernetes and ssh mounts, 4 policies, 4 SSH CAs, 3 templates, 4 certificates, 5 access tokens"
else
  echo "seeded 3 identities, cert role st-role, CRL st-crl, jwt, kubernetes and ssh mounts, 4 policies, 4 SSH CAs, 3 templates, 4 certificates (no access tokens: 127.0.0.1 is not a trusted proxy)"
fi

# --- configuration ---------------------------------------------------------------------------
# The token operations get their own token each (revoke-self ends it, renew-self with a small
# increment shortens it) through a hook: schemathesis 4.32 keeps the first operation's
# configured headers in its session for every later one, so per-operation headers would leak.
# SSH sign and issue (Vault's and Infisical's) and sys/capabilities-self get the admin token and
# the access token in turn (the hook too; the access token's st-sign policy lets it sign).
export VOUCH_ST_TOKEN_USE=${TOKEN_USE:-} VOUCH_ST_TOKEN_RENEW_SELF=${TOKEN_RENEW_SELF:-} \
  VOUCH_ST_TOKEN_REVOKE_SELF=${TOKEN_REVOKE_SELF:-}
cat > hooks.py <<'PY'
import itertools
import os

import schemathesis

TOKENS = {
    "GET /v1/auth/token/lookup-self": os.environ["VOUCH_ST_TOKEN_USE"],
    "POST /api/v1/auth/token/introspect": os.environ["VOUCH_ST_TOKEN_USE"],
    "POST /v1/auth/token/renew-self": os.environ["VOUCH_ST_TOKEN_RENEW_SELF"],
    "POST /v1/auth/token/revoke-self": os.environ["VOUCH_ST_TOKEN_REVOKE_SELF"],
}
# these take the admin token, and the access token when there is one, in turn
ADMIN = os.environ["VOUCH_ST_ADMIN"]
SIGNERS = [t for t in (ADMIN, os.environ["VOUCH_ST_TOKEN_USE"]) if t]
SIGN_OPERATIONS = {f"{m} /v1/{{mount}}/{op}/{{role}}" for m in ("POST", "PUT") for op in ("sign", "issue")} | {
    "POST /api/v1/ssh/certificates/sign", "POST /api/v1/ssh/certificates/issue", "POST /v1/sys/capabilities-self"}
signs = itertools.count()


@schemathesis.hook
def before_call(context, case, kwargs):
    """A seeded token where the case sends none of its own (negative cases keep theirs)."""
    token = TOKENS.get(case.operation.label)
    headers = dict(case.headers or {})
    if case.operation.label in SIGN_OPERATIONS:
        token = SIGNERS[next(signs) % len(SIGNERS)]
        # the configured admin token (where the document also offers it) is not the case's own
        if headers.get("Authorization") == f"Bearer {ADMIN}":
            del headers["Authorization"]
    if token and not any(h.lower() in ("authorization", "x-vault-token") for h in headers):
        case.headers = {**headers, "X-Vault-Token": token}
PY
{
  cat <<TOML
hooks = "hooks.py"

# the document never refuses what the server accepts: data it calls invalid must be refused
# (413 included: the server refuses a too large certificate or body so)
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "409", "413"]

[auth.openapi.adminToken]
bearer = "\${VOUCH_ST_ADMIN}"

[dictionaries.identities]
values = ["$ID_A", "$ID_B"]
[dictionaries.login_identity]
values = ["$ID_C"]
[dictionaries.roles]
values = ["st-role", "ST-Role"]
[dictionaries.mount_roles_deleted]
values = ["st-del"]
[dictionaries.crls]
values = ["st-crl"]
[dictionaries.mounts]
values = ["jwt", "st-jwt", "kubernetes", "st-k8s"]
[dictionaries.sys_paths]
values = ["jwt", "st-jwt", "kubernetes", "st-k8s", "cert"]
[dictionaries.jwts]
values = ["$JWT", "$K8S_JWT"]
[dictionaries.certs]
values = ["$CLIENT_CERT_HEADER"]
[dictionaries.ssh_mounts]
values = ["ssh", "st-ssh"]
[dictionaries.ssh_roles]
values = ["st-role", "ST-Role"]
[dictionaries.ssh_roles_written]
values = ["st-put", "st-del"]
[dictionaries.ssh_public_keys]
values = ["$SSH_PUBLIC_KEY"]
[dictionaries.vault_ssh_serials]
values = ["$VSERIAL", "$VSERIAL_REVOKED"]
[dictionaries.ssh_revoke_mounts]
values = ["ssh"]
[dictionaries.ssh_cas]
values = ["$CA_MAIN", "$CA_EXT", "$CA_MAIN_UPPER"]
[dictionaries.ssh_cas_patched]
values = ["$CA_PUT", "$CA_EXT"]
[dictionaries.ssh_cas_krl]
values = ["$CA_PUT", "$CA_MAIN"]
[dictionaries.krl_etags]
values = ['$ETAG_CA_PUT', '$ETAG_ST_SSH']
[dictionaries.ssh_serials]
values = ["$SERIAL", "$SERIAL_REVOKED"]
[dictionaries.ssh_templates]
values = ["$TPL"]
[dictionaries.ssh_templates_read]
values = ["$TPL", "$TPL_PUT"]
[dictionaries.ssh_templates_patched]
values = ["$TPL_PUT"]
[dictionaries.policies]
values = ["st-sign", "st-read", "ST-Read", "default", "root"]
[dictionaries.policies_written]
values = ["st-put", "st-del"]
[dictionaries.policy_texts]
values = ['path "st/*" { capabilities = ["read", "list"] }', '{"path": {"st/+/x": {"capabilities": ["deny"]}}}']

[parameters]
identityId = { dictionary = "identities", probability = 0.6 }

# deletes and detaches only ever hit identity b
[[operations]]
include-name = ["DELETE /api/v1/identities/{identityId}", "DELETE /api/v1/auth/tls-cert-auth/identities/{identityId}",
  "DELETE /api/v1/auth/oidc-auth/identities/{identityId}", "DELETE /api/v1/auth/jwt-auth/identities/{identityId}",
  "DELETE /api/v1/auth/kubernetes-auth/identities/{identityId}"]
parameters = { identityId = "$ID_B" }

[[operations]]
include-path-regex = "^/v1/auth/cert/certs/"
parameters = { name = { dictionary = "roles", probability = 0.5 } }

[[operations]]
include-path-regex = "^/v1/auth/cert/crls/"
parameters = { name = { dictionary = "crls", probability = 0.5 } }

[[operations]]
include-path = "/v1/auth/cert/login"
parameters = { "X-SSL-Client-Cert" = { dictionary = "certs", probability = 0.5 } }

# the mounts' role deletes only hit st-del (the logins use st-role)
[[operations]]
include-name = "DELETE /v1/auth/{mount}/role/{name}"
parameters = { mount = { dictionary = "mounts", probability = 0.6 }, name = { dictionary = "mount_roles_deleted", probability = 0.5 } }

[[operations]]
include-path-regex = "^/v1/auth/[{]mount[}]/(config|role)"
parameters = { mount = { dictionary = "mounts", probability = 0.6 }, name = { dictionary = "roles", probability = 0.5 } }

[[operations]]
include-path-regex = "^/v1/auth/[{]mount[}]/login"
parameters = { mount = { dictionary = "mounts", probability = 0.6 }, "body.role" = { dictionary = "roles", probability = 0.5 }, "body.jwt" = { dictionary = "jwts", probability = 0.5 } }

# ssh mounts: role deletes only hit st-del, CA deletes only st-ssh/ (ssh/ keeps its CA), role
# writes never st-role (signing uses it)
[[operations]]
include-name = "DELETE /v1/{mount}/roles/{name}"
parameters = { mount = { dictionary = "ssh_mounts", probability = 0.6 }, name = { dictionary = "mount_roles_deleted", probability = 0.5 } }

[[operations]]
include-name = "DELETE /v1/{mount}/config/ca"
parameters = { mount = "st-ssh" }

[[operations]]
include-name = ["POST /v1/{mount}/roles/{name}", "PUT /v1/{mount}/roles/{name}"]
parameters = { mount = { dictionary = "ssh_mounts", probability = 0.6 }, name = { dictionary = "ssh_roles_written", probability = 0.5 } }

[[operations]]
include-path-regex = "^/v1/[{]mount[}]/(sign|issue)/"
parameters = { mount = { dictionary = "ssh_mounts", probability = 0.6 }, role = { dictionary = "ssh_roles", probability = 0.6 }, "body.public_key" = { dictionary = "ssh_public_keys", probability = 0.5 } }

# what ssh/ signed (hex serials), its revocations (only ever on ssh/: st-ssh/'s KRL keeps its
# ETag) and the KRLs (If-None-Match: the seeded ETags)
[[operations]]
include-path-regex = "^/v1/[{]mount[}]/cert/"
parameters = { mount = { dictionary = "ssh_mounts", probability = 0.6 }, serial = { dictionary = "vault_ssh_serials", probability = 0.6 } }

[[operations]]
include-path = "/v1/{mount}/revoke"
parameters = { mount = { dictionary = "ssh_revoke_mounts", probability = 0.6 }, "body.serial_number" = { dictionary = "vault_ssh_serials", probability = 0.5 } }

[[operations]]
include-path = "/v1/{mount}/krl"
parameters = { mount = { dictionary = "ssh_mounts", probability = 0.6 }, "If-None-Match" = { dictionary = "krl_etags", probability = 0.5 } }

[[operations]]
include-path-regex = "^/v1/[{]mount[}]/"
parameters = { mount = { dictionary = "ssh_mounts", probability = 0.6 }, name = { dictionary = "ssh_roles", probability = 0.5 } }

[[operations]]
include-name = ["GET /v1/sys/auth/{path}"]
parameters = { path = { dictionary = "sys_paths", probability = 0.6 } }

# ACL policies: deletes only hit st-del, writes st-put and st-del (st-sign lets the access token
# sign), sometimes with a policy that parses
[[operations]]
include-name = ["DELETE /v1/sys/policies/acl/{name}", "DELETE /v1/sys/policy/{name}"]
parameters = { name = "st-del" }

[[operations]]
include-name = ["POST /v1/sys/policies/acl/{name}", "PUT /v1/sys/policies/acl/{name}", "POST /v1/sys/policy/{name}",
  "PUT /v1/sys/policy/{name}"]
parameters = { name = { dictionary = "policies_written", probability = 0.5 }, "body.policy" = { dictionary = "policy_texts", probability = 0.4 }, "body.rules" = { dictionary = "policy_texts", probability = 0.3 } }

[[operations]]
include-name = ["GET /v1/sys/policies/acl/{name}", "GET /v1/sys/policy/{name}"]
parameters = { name = { dictionary = "policies", probability = 0.6 } }

# Infisical's SSH CAs (at /ca and at /cas): deletes only hit st-ca-del, patches st-ca-put and
# st-ext (st-ca signs), revocations st-ca and st-ext (st-ca-put's KRL keeps its ETag)
[[operations]]
include-name = ["DELETE /api/v1/ssh/ca/{caId}", "DELETE /api/v1/ssh/cas/{caId}"]
parameters = { caId = "$CA_DEL" }

[[operations]]
include-name = ["PATCH /api/v1/ssh/ca/{caId}", "PATCH /api/v1/ssh/cas/{caId}"]
parameters = { caId = { dictionary = "ssh_cas_patched", probability = 0.6 } }

[[operations]]
include-path-regex = "^/api/v1/ssh/cas?/[{]caId[}]/krl$"
parameters = { caId = { dictionary = "ssh_cas_krl", probability = 0.6 }, "If-None-Match" = { dictionary = "krl_etags", probability = 0.5 } }

[[operations]]
include-path-regex = "^/api/v1/ssh/cas?/[{]caId[}]/certificates/"
parameters = { caId = { dictionary = "ssh_cas", probability = 0.6 }, serialNumber = { dictionary = "ssh_serials", probability = 0.6 } }

[[operations]]
include-path-regex = "^/api/v1/ssh/cas?/[{]caId[}]/revoke$"
parameters = { caId = { dictionary = "ssh_cas", probability = 0.6 }, "body.serialNumber" = { dictionary = "ssh_serials", probability = 0.5 } }

[[operations]]
include-path-regex = "^/api/v1/ssh/cas?/[{]caId[}]"
parameters = { caId = { dictionary = "ssh_cas", probability = 0.6 } }

# certificate templates: deletes only hit st-del, patches st-put (st-tpl signs); new ones on
# the seeded CAs
[[operations]]
include-name = "DELETE /api/v1/ssh/certificate-templates/{id}"
parameters = { id = "$TPL_DEL" }

[[operations]]
include-name = "PATCH /api/v1/ssh/certificate-templates/{id}"
parameters = { id = { dictionary = "ssh_templates_patched", probability = 0.6 } }

[[operations]]
include-name = "GET /api/v1/ssh/certificate-templates/{id}"
parameters = { id = { dictionary = "ssh_templates_read", probability = 0.6 } }

[[operations]]
include-name = "POST /api/v1/ssh/certificate-templates"
parameters = { "body.sshCaId" = { dictionary = "ssh_cas", probability = 0.5 } }

[[operations]]
include-name = "POST /api/v1/ssh/certificates/sign"
parameters = { "body.certificateTemplateId" = { dictionary = "ssh_templates", probability = 0.6 }, "body.publicKey" = { dictionary = "ssh_public_keys", probability = 0.5 } }

[[operations]]
include-name = "POST /api/v1/ssh/certificates/issue"
parameters = { "body.certificateTemplateId" = { dictionary = "ssh_templates", probability = 0.6 } }

[[operations]]
include-path-regex = "^/api/v1/auth/(oidc|jwt|kubernetes)-auth/login"
parameters = { "body.identityId" = { dictionary = "login_identity", probability = 0.5 }, "body.jwt" = { dictionary = "jwts", probability = 0.5 } }

# logins answer 503 by design while an issuer's keys (key_source_unavailable) or the Kubernetes
# API (kubernetes_unavailable) cannot be reached (the fuzzer configures unreachable ones itself)
[[operations]]
include-name = ["POST /api/v1/auth/oidc-auth/login", "POST /api/v1/auth/jwt-auth/login", "POST /api/v1/auth/kubernetes-auth/login",
  "POST /v1/auth/{mount}/login", "PUT /v1/auth/{mount}/login"]
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]

[[operations]]
include-name = "POST /api/v1/auth/tls-cert-auth/login"
parameters = { "X-SSL-Client-Cert" = { dictionary = "certs", probability = 0.5 }, "body.identityId" = { dictionary = "login_identity", probability = 0.5 } }
TOML
  if [ -n "$TOKEN_USE" ]; then
    cat <<TOML

[dictionaries.renew_tokens]
values = ["$TOKEN_RENEW"]
[dictionaries.revoke_tokens]
values = ["$TOKEN_REVOKE"]

[[operations]]
include-name = "POST /api/v1/auth/token/renew"
parameters = { "body.accessToken" = { dictionary = "renew_tokens", probability = 0.5 } }

[[operations]]
include-name = "POST /api/v1/auth/token/revoke"
parameters = { "body.accessToken" = { dictionary = "revoke_tokens", probability = 0.5 } }

TOML
  fi
} > schemathesis.toml

# --- run -------------------------------------------------------------------------------------
# one worker: with two, hypothesis describing its strategies trips a CPython 3.11 race in ast
# ("AST constructor recursion depth mismatch"), an error of the tool, not of the server
start=$(date +%s)
set +e
st --config-file schemathesis.toml run "$SCHEMA" --url "$URL" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection \
  --mode all --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" ${ST_SEED:+--seed "$ST_SEED"} \
  --workers 1 --request-timeout 20 --generation-database none --no-color ${ST_ARGS:-}
rc=$?
set -e
echo "schemathesis exited $rc after $(( $(date +%s) - start )) s"
exit $rc
