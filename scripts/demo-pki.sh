#!/usr/bin/env bash
# Makes (once) a small demo PKI with the openssl CLI under ./demo for `make run` and the
# README's quickstart: a root CA, the server's certificate (127.0.0.1, localhost) and a
# client certificate for the workload "api-workload".
set -euo pipefail
D=${1:-demo}
[ -f "$D/client.pem" ] && exit 0
mkdir -p "$D"
cat > "$D/openssl.cnf" <<CNF
[req]
distinguished_name=dn
[dn]
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
[server]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
[client]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
subjectAltName=URI:spiffe://demo.example/workload/api
CNF
q() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; }
for k in root server client; do q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/$k.key"; done
q openssl req -config "$D/openssl.cnf" -new -x509 -key "$D/root.key" -subj "/CN=Demo Root CA" -days 365 -extensions ca -out "$D/root.pem"
for k in server client; do
  cn=$([ $k = server ] && echo localhost || echo api-workload)
  q openssl req -config "$D/openssl.cnf" -new -key "$D/$k.key" -subj "/CN=$cn/O=Demo" -out "$D/$k.csr"
  q openssl x509 -req -in "$D/$k.csr" -CA "$D/root.pem" -CAkey "$D/root.key" -days 30 -extfile "$D/openssl.cnf" \
    -extensions $k -out "$D/$k.pem" -set_serial "0x$(openssl rand -hex 16)"
done
echo "demo PKI in $D/: root.pem, server.pem/.key, client.pem/.key (CN=api-workload)"
