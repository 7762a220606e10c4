# Vouch: `make run` and `make test` do everything on a fresh machine (they install what
# is missing). `make bench` writes bench-results.json, `make bench-scale` bench-scale.json;
# `make fuzz FUZZ_SECONDS=N` fuzzes.
SHELL := /bin/bash
FUZZ_SECONDS ?= 60
SMOKE_SECONDS ?= 10
CC_FUZZ ?= clang
FUZZERS := fuzz_chain fuzz_crl fuzz_diff fuzz_json fuzz_json_plain fuzz_jws fuzz_jwks fuzz_sshkey fuzz_sshcert fuzz_krl fuzz_hcl
CORE_SRC := $(wildcard CSupport/*.c)

.PHONY: deps build release run test bench bench-scale fuzz fuzz-build fuzz-smoke clean

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build

# The server is the product and its speed is the point: `make run` serves the release build.
release: deps
	swift build -c release --product vouch

# The server, over HTTPS with a demo PKI (./demo), data in ./vouch-data; the admin token
# is written to vouch-data/admin-token on first start. See the README's quickstart.
run: release
	@bash scripts/demo-pki.sh demo
	.build/release/vouch serve --tls-cert demo/server.pem --tls-key demo/server.key --admin-token-file vouch-data/admin-token

test: deps
	@bash scripts/check-repo-paths.sh
	@bash scripts/check-c-layers.sh
	swift build --build-tests
	swift test --skip-build
	$(MAKE) --no-print-directory fuzz-smoke
	.build/debug/vouch-bench --smoke --vouch .build/debug/vouch --out /tmp/vouch-bench-smoke.json

bench: deps
	swift build -c release --product vouch-bench
	swift build -c release --product vouch
	.build/release/vouch-bench --vouch .build/release/vouch --out bench-results.json
	python3 scripts/bench-table.py bench-results.json > BENCHMARKS.md

# Logins and /healthz with the server pinned to 1, 2, 4, ... cores and wrk to the rest, next
# to `openssl speed -multi N`: bench-scale.json and BENCHMARKS-scale.md (scripts/bench-scale.sh
# lists the settings: SCALE_CORES, SCALE_CONNECTIONS, SCALE_SECONDS, ...).
bench-scale: deps
	swift build -c release --product vouch-bench
	swift build -c release --product vouch
	bash scripts/bench-scale.sh

Fuzz/bin/%: Fuzz/%.c $(CORE_SRC) $(wildcard CSupport/*.h CSupport/include/*.h)
	@mkdir -p Fuzz/bin
	$(CC_FUZZ) -fuse-ld=lld -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -ICSupport/include -ICSupport $< $(CORE_SRC) -lcrypto -lsodium -ljansson -lhogweed -lnettle -lgmp -o $@

fuzz-build: deps $(addprefix Fuzz/bin/,$(FUZZERS))

# A short run of every harness over its seed corpus (part of `make test`).
fuzz-smoke: fuzz-build
	@bash scripts/fuzz.sh $(SMOKE_SECONDS) $(FUZZERS)

fuzz: fuzz-build
	@bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZERS)

clean:
	rm -rf .build Fuzz/bin Fuzz/out demo vouch-data
