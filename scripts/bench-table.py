#!/usr/bin/env python3
"""Writes BENCHMARKS.md from bench-results.json: every figure next to its baseline,
the targets from DESIGN.md, and the machine the run was on."""
import json, platform, subprocess, sys, datetime

results = json.load(open(sys.argv[1]))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
openssl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()

def f(x, digits=1):
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"

out = ["# Benchmarks", "",
       f"Latest `make bench` run: {datetime.date.today().isoformat()}, {cpu}, {cores} cores, "
       f"{int(mem) // 1024 // 1024} GiB, {openssl}, one thread. Generated from `bench-results.json` by "
       "`scripts/bench-table.py`; every figure is measured in the same run as its baseline.", "",
       "| benchmark | ops/s | baseline | baseline ops/s | ratio | note |", "| --- | ---: | --- | ---: | ---: | --- |"]
for r in results:
    out.append(f"| {r['name']} | {f(r['ops_per_sec'])} | {r['baseline']} | {f(r['baseline_ops_per_sec'])} | "
               f"{f(r['ratio'], 3)} | {r.get('note') or ''} |")
out += ["", "Reading these figures: the machine is a shared VM and runs differ. Over five runs on "
        "2026-11-24, a 1M-serial CRL lookup took 49 to 168 ns while one dependent random memory read in a table of "
        "the same size took 125 to 281 ns: a lookup is one SipHash and one memory read, so it moves with the "
        "machine's memory latency. Chain ratios are medians of rounds alternating with the raw baseline, and still "
        "moved by about 0.05 between runs (RSA-2048 presented: 0.79 to 0.88).", "",
        "Logins over HTTP: the server and wrk share the machine's two cores, and /healthz measures Hummingbird's own "
        "ceiling on the same server. In a profile of the login run, the login itself (chain verification, names, token "
        "issue) is about a quarter of the server's time; the rest is the HTTP stack, the SQLite write of each token "
        "(WAL), the audit line written through to its file, and the per-request log line.", "", "SSH certificates: each CA key signs the same user certificate request (32-byte nonce, two principals, "
        "source-address, two extensions) and the raw baseline signs the same certificate bytes with the same primitive, "
        "in alternating rounds. The difference is building the certificate (validation, encoding, the nonce) and the "
        "Swift call: about 1 to 2 microseconds, which shows against Ed25519 and P-256 signatures of about 20 microseconds "
        "and vanishes against RSA. On this VM the same build gave 0.88 to 0.97 for those two over runs; a raw-against-raw "
        "pairing gives 0.99 to 1.00. Python's cryptography wheel bundles OpenSSL 4.0, whose RSA-4096 uses AVX-512 IFMA; "
        "Debian's OpenSSL 3.0 here does not, which is why that peer is ahead for RSA-4096 only. "
        "`ssh-keygen -s` is a process per certificate, as an operator's script would run it.", "",
        "Configuration at scale (`config_*`, Benchmarks/VouchBench/ConfigScaleBench.swift): the real `vouch serve` over plain "
        "HTTP on loopback; a write is TLS auth attached to a new identity (the identity's creation is not timed), the median of "
        "several, with the database seeded offline (rows copied from ones the server wrote) to the number of identities named, "
        "each with TLS auth under the same CA bundle; start-up is from process start until /healthz answers; the creation run "
        "is 8 URLSession clients each creating an identity and attaching TLS auth, back to back; logins during writes are wrk "
        "against one identity while one client writes back to back. Figures of rates, so a ratio near 1 is a cost that does "
        "not grow with the configuration.", "",
        "Targets (DESIGN.md): chain verification >= 0.9x one raw signature verification of the leaf's key; "
        "a CRL of 1 million serials loaded, signature included, in <= 100 ms; <= 32 bytes per serial; "
        "lookup <= 50 ns at 1 million and <= 100 ns at 10 million serials; JWT verification >= 0.9x the raw signature check; "
        "SSH certificate signing >= 0.95x the raw signature, and ahead of every peer; a configuration write costs the same "
        "at 10,000 identities as at 10.", ""]
print("\n".join(out))
