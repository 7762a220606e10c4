#!/usr/bin/env bash
# Installs what Vouch needs to build and test, only where missing: Debian's packages
# (C libraries, the openssl/ssh tools, nginx and wrk for the HTTP tests and benchmark,
# PostgreSQL for the PostgreSQL store's tests)
# and Go (the differential oracle the tests build); from PyPI, hvac (Vault's Python client,
# for the compatibility tests), cryptography, PyJWT and joserfc (inputs as users make them),
# openapi-spec-validator and schemathesis (the OpenAPI document checked, and the server
# tested against it).
set -euo pipefail
need=()
for pkg in libssl-dev libsodium-dev libjansson-dev nettle-dev libsqlite3-dev openssl make curl nginx-light wrk openssh-client openssh-server golang-go postgresql; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  # nginx, sshd and PostgreSQL are started by the tests themselves (PostgreSQL: a cluster of
  # their own, initdb in a temporary directory), never as system services
  for svc in nginx ssh postgresql; do
    $SUDO systemctl disable --now $svc >/dev/null 2>&1 || $SUDO service $svc stop >/dev/null 2>&1 || true
  done
fi
for mod in hvac:hvac openapi_spec_validator:openapi-spec-validator jwt:pyjwt joserfc:joserfc cryptography:cryptography \
           schemathesis:schemathesis==4.32.5; do
  if ! python3 -c "import ${mod%%:*}" 2>/dev/null; then
    echo "installing: ${mod##*:} (PyPI)"
    python3 -m pip install -q "${mod##*:}"
  fi
done
