#!/usr/bin/env python3
"""Certificates made the way a user of Python's `cryptography` makes them with its plain
builder: CAs carry basicConstraints and nothing else (no keyUsage, no subject or authority
key identifiers), leaves carry no extensions at all. Go's crypto/x509, and so Vault's cert
auth method, accepts such chains; they break RFC 5280 profile rules that Vouch warns about.

    plain_pki.py OUTDIR

writes, each NAME.pem with its key NAME.key (P-256, PKCS#8):
  root          CA, basicConstraints CA:TRUE (critical)
  root-nc       CA, basicConstraints CA:TRUE marked non-critical
  inter         CA under root, basicConstraints CA:TRUE (critical)
  client        leaf under root (CN=plain-client)
  client-nc     leaf under root-nc (CN=plain-client)
  client-inter  leaf under inter (CN=plain-client)
"""
import datetime
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

out = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make(label, cn, issuer=None, ca=None):
    """ca: None for a leaf, else whether basicConstraints is critical."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_cert, issuer_key = issuer if issuer else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(cn))
        .issuer_name(issuer_cert.subject if issuer_cert else name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=ca)
    cert = builder.sign(issuer_key, hashes.SHA256())
    with open(os.path.join(out, label + ".pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(out, label + ".key"), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert, key


root = make("root", "plain-root", ca=True)
root_nc = make("root-nc", "plain-root-nc", ca=False)
inter = make("inter", "plain-inter", issuer=root, ca=True)
make("client", "plain-client", issuer=root)
make("client-nc", "plain-client", issuer=root_nc)
make("client-inter", "plain-client", issuer=inter)
