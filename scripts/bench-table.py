#!/usr/bin/env python3
"""Writes BENCHMARKS.md from bench-results.json: every figure next to its baseline,
the targets from DESIGN.md, and the machine the run was on.

`bench-table.py --scale bench-scale.json [--note TEXT]` writes BENCHMARKS-scale.md instead:
`make bench-scale`'s logins per server core count (Benchmarks/VouchBench/ScaleBench.swift)."""
import json, platform, subprocess, sys, datetime


def f(x, digits=1):
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"


def scale_table(path, note):
    r = json.load(open(path))
    rows = r["rows"]
    out = ["# Benchmarks: logins as the server's cores grow", "",
           f"Latest `make bench-scale` run: {r['date']}, {r['cpu']}, {r['cores']} cores, {r['openssl']}"
           f"{' (a smoke run: the figures mean nothing)' if r.get('smoke') else ''}. Generated from `bench-scale.json` by "
           "`scripts/bench-table.py --scale`.", ""]
    if note:
        out += [note, ""]
    out += ["The real `vouch serve` is pinned with `taskset` to cores 0 to N-1 (its SwiftNIO event loops set to N) and wrk to "
            "the cores left, for N = 1, 2, 4, ... while at least one core is left for wrk. The login is HTTPBench's: a TLS "
            "certificate login on the trusted-proxy header path (the leaf in `X-SSL-Client-Cert`, a P-256 chain whose "
            "intermediate is in the identity's CA bundle, keep-alive); each login verifies the chain, matches the names, "
            "issues a token and stores it (SQLite, WAL) with its audit line. /healthz is the same server's trivial endpoint, "
            f"the framework's ceiling. Each is run at every wrk load of {'/'.join(str(c) for c in r['connections'])} "
            f"connections for {r['seconds']} s, and the load with the most requests per second is reported. OpenSSL is "
            f"`openssl speed -multi N -seconds {r['openssl_seconds']} ecdsap256` pinned to the server's cores: the "
            "primitive's own scaling.", "",
            "| server cores | /healthz req/s | logins/s | login p50 / p99 | OpenSSL P-256 verify/s, N processes | "
            "logins / healthz | scaling efficiency | login p99 / p50 |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for x in rows:
        h, l = x["healthz_best"], x["login_best"]
        out.append(f"| {x['server_cores']} (wrk: {x['wrk_cores']}) | {f(h['rps'], 0)} ({h['connections']} conns) | "
                   f"{f(l['rps'], 0)} ({l['connections']} conns) | {l['p50_ms']:.2f} / {l['p99_ms']:.2f} ms | "
                   f"{f(x['openssl_p256_verify_per_sec'], 0)} | {f(x['logins_over_healthz'], 3)} | "
                   f"{f(x['scaling_efficiency'], 2)} | {f(x['login_p99_over_p50'], 1)} |")
    out += ["", "Scaling efficiency = (logins/s on N cores / logins/s on 1) / (OpenSSL verify/s on N / verify/s on 1): 1.00 "
            "means the login scales as well as the signature check it rests on.", "",
            "Every load tried:", "",
            "| server cores | connections | /healthz req/s | /healthz p50 / p99 | logins/s | login p50 / p99 | login p99 / p50 |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for x in rows:
        for h, l in zip(x["healthz"], x["login"]):
            out.append(f"| {x['server_cores']} | {l['connections']} | {f(h['rps'], 0)} | {h['p50_ms']:.2f} / {h['p99_ms']:.2f} ms | "
                       f"{f(l['rps'], 0)} | {l['p50_ms']:.2f} / {l['p99_ms']:.2f} ms | "
                       f"{f(l['p99_ms'] / l['p50_ms'] if l['p50_ms'] else None, 1)} |")
    out += ["", "Reading these figures: `openssl speed -multi` measures elapsed time, so a busy machine lowers it as it "
            "lowers the server; the scaling efficiency compares like with like only when nothing else runs. Where a "
            "login's time goes (perf on the server, 1 core, 32 connections, 2026-11-28, on the 2-core VM): the chain "
            "verification (TrustStore.verify, the C core) was about 5% of the server's CPU and the token's Ed25519 "
            "signature about 5%; Swift's JSON encoding (the token record, the response, the audit and log lines) about "
            "12%; the SQLite insert of the token about 7% (an fsync per write shows); the audit line 3%; the kernel "
            "(sockets, file writes) about 20%; Swift reference counting 7%. /healthz does none of that, so logins / "
            "healthz measures the service layer around the core more than the core; `vouch-bench --only threads` "
            "measures the core's own scaling.", "",
            "Goals (DESIGN.md): logins >= 0.5x the same server's /healthz on the same cores; p99 <= 5x p50; scaling "
            "with cores >= 0.9x the primitive's own (`openssl speed -multi`).", ""]
    return "\n".join(out)


if len(sys.argv) > 1 and sys.argv[1] == "--scale":
    note = sys.argv[sys.argv.index("--note") + 1] if "--note" in sys.argv else ""
    print(scale_table(sys.argv[2], note))
    sys.exit(0)

results = json.load(open(sys.argv[1]))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "?")
openssl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()

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
        "Threads (`threads_*` rows): the core on N threads at once sharing one trust store, key set or CA key, as the "
        "server does, against the raw primitive on N threads each with its own key and context; the note gives each "
        "side's speed-up from one thread. A ratio that holds as N grows means the core adds no lock or contended "
        "object of its own; a ratio that falls points at one. On a 2-core machine shared with other work, N = 2 "
        "says little.", "",
        "RSA key generation (`ssh_keygen_rsa2048`): OpenSSL 3.0's EVP_PKEY_keygen makes primes as FIPS 186-4 B.3.6 "
        "says, from auxiliary primes, and gives each candidate a constant-time GCD before any sieve; Vouch makes them "
        "as B.3.3 says (as OpenSSL 1.1.1 and BoringSSL do) with OpenSSL's BN_generate_prime_ex2 (a sieve, then 64 "
        "Miller-Rabin rounds), and checks the new key with one signature. Key generation time depends on the prime "
        "search, so the figures are medians of several keys per round.", "",
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
