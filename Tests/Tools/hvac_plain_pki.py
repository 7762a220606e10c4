#!/usr/bin/env python3
"""Vault's own client, hvac, unchanged, against Vouch's cert auth method with certificates
made by Python cryptography's plain builder (Tests/Tools/plain_pki.py): a role on the
plain root, logins over mTLS with a leaf and with a leaf + intermediate chain, the
intermediate's CRL (made with cryptography too) pushed and applied, a strict role.

    hvac_plain_pki.py URL SERVER_CA PLAIN_DIR ADMIN_TOKEN
"""
import datetime
import os
import sys

import hvac
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

url, server_ca, plain, admin = sys.argv[1:5]


def path(name):
    return os.path.join(plain, name)


root = open(path("root.pem")).read()
adminc = hvac.Client(url=url, token=admin, verify=server_ca)
r = adminc.auth.cert.create_ca_certificate_role(name="plain", certificate=root, allowed_common_names="plain-client",
                                                token_policies=["plain"])
assert r.status_code == 204, r

# a leaf straight under the root
client = hvac.Client(url=url, cert=(path("client.pem"), path("client.key")), verify=server_ca)
auth = client.auth.cert.login(name="plain", cert_pem=path("client.pem"), key_pem=path("client.key"))["auth"]
assert auth["policies"] == ["plain"] and auth["metadata"]["common_name"] == "plain-client", auth

# a leaf under an intermediate: the client sends both, as TLS clients do
chain = path("client-inter-chain.pem")
with open(chain, "w") as f:
    f.write(open(path("client-inter.pem")).read() + open(path("inter.pem")).read())
inter_client = hvac.Client(url=url, cert=(chain, path("client-inter.key")), verify=server_ca)
assert inter_client.auth.cert.login(name="plain", cert_pem=chain, key_pem=path("client-inter.key"))["auth"]["client_token"]

# the intermediate's CRL, as cryptography makes it, revoking that leaf
inter = x509.load_pem_x509_certificate(open(path("inter.pem"), "rb").read())
inter_key = serialization.load_pem_private_key(open(path("inter.key"), "rb").read(), password=None)
leaf = x509.load_pem_x509_certificate(open(path("client-inter.pem"), "rb").read())
now = datetime.datetime.now(datetime.timezone.utc)
crl = (x509.CertificateRevocationListBuilder()
       .issuer_name(inter.subject).last_update(now).next_update(now + datetime.timedelta(days=7))
       .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(leaf.serial_number)
                                .revocation_date(now).build())
       .sign(inter_key, hashes.SHA256()))
pem = crl.public_bytes(serialization.Encoding.PEM).decode()
r = adminc.adapter.post("/v1/auth/cert/crls/inter", json={"crl": pem})
assert r.status_code == 204, r
data = adminc.read("auth/cert/crls/inter")["data"]
assert str(leaf.serial_number) in data["serials"], data
assert data["signature_verified"] is False and "revokes nothing" in data["warning"], data
try:
    hvac.Client(url=url, cert=(chain, path("client-inter.key")), verify=server_ca).auth.cert.login(
        name="plain", cert_pem=chain, key_pem=path("client-inter.key"))
    raise SystemExit("a leaf revoked by its intermediate's CRL logged in")
except hvac.exceptions.InvalidRequest:
    pass
data = adminc.read("auth/cert/crls/inter")["data"]
assert data["signature_verified"] is True and data["verified_by"] == "presented_intermediate", data
# the leaf under the root is not affected
assert client.auth.cert.login(name="plain", cert_pem=path("client.pem"), key_pem=path("client.key"))["auth"]["client_token"]

# a strict role refuses what breaks RFC 5280's profile (a Vouch extension, written as any field)
r = adminc.adapter.post("/v1/auth/cert/certs/strict", json={"certificate": root, "strict": True})
assert r.status_code == 204, r
assert adminc.auth.cert.read_ca_certificate_role(name="strict")["data"]["strict"] is True
try:
    hvac.Client(url=url, cert=(path("client.pem"), path("client.key")), verify=server_ca).auth.cert.login(
        name="strict", cert_pem=path("client.pem"), key_pem=path("client.key"))
    raise SystemExit("a strict role accepted a chain without key identifiers")
except hvac.exceptions.InvalidRequest:
    pass
print("hvac plain pki: ok")
