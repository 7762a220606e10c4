#!/usr/bin/env python3
"""Seed inputs for the X.509 harnesses, made with Python `cryptography` under the fuzz
fixture CA (Fuzz/fuzz_fixture.h, whose key is public on purpose): leaves with the
extension sets operators and attackers produce, each once as a tbsCertificate for
fuzz_diff (which re-signs what it mutates) and once as a whole certificate, presented
alone (mode byte 0), for fuzz_chain. The Go oracle test (GoOracleTests) decides the
fuzz_diff ones with Go's crypto/x509 too.

    python3 Fuzz/seeds/x509_seeds.py        # rewrites Fuzz/corpus/{fuzz_diff,fuzz_chain}/seed-*
"""
import datetime
import os
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

here = os.path.dirname(os.path.abspath(__file__))
fuzz = os.path.dirname(here)
header = open(os.path.join(fuzz, "fuzz_fixture.h")).read()


def literal(name):
    body = header.split(name + "[] =", 1)[1].split(";", 1)[0]
    return "".join(re.findall(r'"(.*)"', body)).replace("\\n", "\n").encode()


ca = x509.load_pem_x509_certificate(literal("FUZZ_CA_PEM"))
ca_key = serialization.load_pem_private_key(literal("FUZZ_CA_KEY_PEM"), password=None)
at = datetime.datetime.fromtimestamp(int(re.search(r"#define FUZZ_AT (\d+)", header).group(1)), datetime.timezone.utc)
ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
client_ku = x509.KeyUsage(True, False, False, False, False, False, False, False, False)


def ku(**bits):
    names = ["digital_signature", "content_commitment", "key_encipherment", "data_encipherment", "key_agreement",
             "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"]
    return x509.KeyUsage(*[bits.get(n, False) for n in names])


def san(*names):
    return x509.SubjectAlternativeName(list(names))


aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
common = [(client_ku, True), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False), (aki, False)]

seeds = {
    "plain-no-extensions": dict(exts=[]),
    "client": dict(exts=common + [(san(x509.DNSName("client.example.com")), False)]),
    "client-spiffe": dict(exts=common + [(san(x509.UniformResourceIdentifier("spiffe://example.org/ns/prod/sa/api")), False)]),
    "client-email-ip": dict(exts=common + [(san(x509.RFC822Name("ops@example.com"), x509.IPAddress(__import__("ipaddress").ip_address("10.1.2.3"))), False)]),
    "server-eku-only": dict(exts=[(client_ku, True), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False), (aki, False)]),
    "any-eku": dict(exts=[(client_ku, True), (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE]), False), (aki, False)]),
    "ku-key-encipherment": dict(exts=[(ku(key_encipherment=True), True), (aki, False)]),
    "ku-key-agreement": dict(exts=[(ku(key_agreement=True), True), (aki, False)]),
    "ku-cert-sign-not-ca": dict(exts=[(ku(digital_signature=True, key_cert_sign=True), True), (aki, False)]),
    "ca-as-leaf": dict(exts=[(x509.BasicConstraints(ca=True, path_length=0), True), (ku(key_cert_sign=True, crl_sign=True), True), (aki, False)]),
    "bc-false-pathlen": dict(exts=[(x509.BasicConstraints(ca=False, path_length=None), True), (client_ku, True), (aki, False)]),
    "san-invalid-dns": dict(exts=common + [(san(x509.DNSName("a..example.com")), False)]),
    "san-wildcard": dict(exts=common + [(san(x509.DNSName("*.example.com")), False)]),
    "san-ip-in-dns": dict(exts=common + [(san(x509.DNSName("10.0.0.1")), False)]),
    "empty-subject-critical-san": dict(subject=x509.Name([]), exts=common + [(san(x509.DNSName("x.example.com")), True)]),
    "empty-subject-noncritical-san": dict(subject=x509.Name([]), exts=common + [(san(x509.DNSName("x.example.com")), False)]),
    "nc-in-leaf": dict(exts=common + [(x509.NameConstraints([x509.DNSName("example.com")], None), True)]),
    "aia-critical": dict(exts=common + [(x509.AuthorityInformationAccess([x509.AccessDescription(
        x509.oid.AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier("http://ca.example/ca.der"))]), True)]),
    "policy-constraints-noncritical": dict(exts=common + [(x509.PolicyConstraints(require_explicit_policy=0, inhibit_policy_mapping=None), False)]),
    "unknown-critical": dict(exts=common + [(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00"), True)]),
    "unknown-noncritical": dict(exts=common + [(x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00"), False)]),
    "aki-critical": dict(exts=[(client_ku, True), (aki, True)]),
    "aki-other-key": dict(exts=[(client_ku, True), (x509.AuthorityKeyIdentifier(b"\x01" * 20, None, None), False)]),
    "ski-critical": dict(exts=common + [("ski", True)]),
    "serial-20-octets": dict(serial=(1 << 159) - 1, exts=common),
    "expired": dict(not_after=at - datetime.timedelta(days=1), exts=common),
    "not-yet-valid": dict(not_before=at + datetime.timedelta(days=1), exts=common),
    "rsa1024-key": dict(key="rsa1024", exts=common),
    "rsa2048-key": dict(key="rsa2048", exts=common),
    "p384-key": dict(key="p384", exts=common),
    "ed25519-key": dict(key="ed25519", exts=common),
}


def leaf_key(kind):
    if kind == "rsa1024":
        return rsa.generate_private_key(65537, 1024)
    if kind == "rsa2048":
        return rsa.generate_private_key(65537, 2048)
    if kind == "p384":
        return ec.generate_private_key(ec.SECP384R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


for d in ("fuzz_diff", "fuzz_chain"):
    os.makedirs(os.path.join(fuzz, "corpus", d), exist_ok=True)
    for f in os.listdir(os.path.join(fuzz, "corpus", d)):
        if f.startswith("seed-"):
            os.remove(os.path.join(fuzz, "corpus", d, f))
for name, s in seeds.items():
    key = leaf_key(s.get("key"))
    b = (x509.CertificateBuilder()
         .subject_name(s.get("subject", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fuzz-leaf")])))
         .issuer_name(ca.subject).public_key(key.public_key())
         .serial_number(s.get("serial", x509.random_serial_number()))
         .not_valid_before(s.get("not_before", at - datetime.timedelta(days=30)))
         .not_valid_after(s.get("not_after", at + datetime.timedelta(days=30))))
    for ext, critical in s["exts"]:
        if ext == "ski":
            ext = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        b = b.add_extension(ext, critical=critical)
    cert = b.sign(ca_key, hashes.SHA256())
    open(os.path.join(fuzz, "corpus", "fuzz_diff", "seed-" + name), "wb").write(cert.tbs_certificate_bytes)
    open(os.path.join(fuzz, "corpus", "fuzz_chain", "seed-" + name), "wb").write(
        b"\x00" + cert.public_bytes(serialization.Encoding.DER))
print("wrote", len(seeds), "seeds to Fuzz/corpus/fuzz_diff and Fuzz/corpus/fuzz_chain")
