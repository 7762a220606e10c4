#!/usr/bin/env bash
# Makes a small demo PKI with the openssl CLI under ./demo and shows `vouch cert verify`
# accepting a client certificate, then refusing it once its CRL revokes it.
set -euo pipefail
VOUCH=${1:-.build/debug/vouch}
D=demo
rm -rf "$D" && mkdir -p "$D/ca"
touch "$D/ca/index.txt"; echo 1000 > "$D/ca/serial"; echo 01 > "$D/ca/crlnumber"
cat > "$D/openssl.cnf" <<CNF
[ca]
default_ca=CA_default
[CA_default]
dir=$D/ca
database=\$dir/index.txt
new_certs_dir=\$dir
serial=\$dir/serial
crlnumber=\$dir/crlnumber
policy=pol
unique_subject=no
default_md=sha256
default_crl_days=30
[pol]
commonName=supplied
organizationName=optional
[req]
distinguished_name=dn
[dn]
[v3_ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
[v3_client]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always
subjectAltName=URI:spiffe://demo.example/workload/api
CNF
q() { "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; }
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/root.key"
q openssl req -config "$D/openssl.cnf" -new -x509 -key "$D/root.key" -subj "/CN=Demo Root CA" -days 365 -extensions v3_ca -out "$D/root.pem"
q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$D/client.key"
q openssl req -config "$D/openssl.cnf" -new -key "$D/client.key" -subj "/CN=api-workload/O=Demo" -out "$D/client.csr"
q openssl ca -batch -config "$D/openssl.cnf" -keyfile "$D/root.key" -cert "$D/root.pem" -in "$D/client.csr" -days 7 -extensions v3_client -notext -out "$D/client.pem"

echo "\$ vouch cert verify --ca demo/root.pem demo/client.pem"
"$VOUCH" cert verify --ca "$D/root.pem" "$D/client.pem"
q openssl ca -config "$D/openssl.cnf" -keyfile "$D/root.key" -cert "$D/root.pem" -revoke "$D/client.pem"
q openssl ca -config "$D/openssl.cnf" -keyfile "$D/root.key" -cert "$D/root.pem" -gencrl -out "$D/root.crl"
echo
echo "\$ vouch crl inspect --ca demo/root.pem demo/root.crl"
"$VOUCH" crl inspect --ca "$D/root.pem" "$D/root.crl"
echo
echo "\$ vouch cert verify --ca demo/root.pem --crl demo/root.crl demo/client.pem"
set +e
"$VOUCH" cert verify --ca "$D/root.pem" --crl "$D/root.crl" "$D/client.pem"
echo "(exit status $?: 1 means refused by the rules)"
