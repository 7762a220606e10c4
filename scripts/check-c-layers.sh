#!/usr/bin/env bash
# Checks the C core's shape (part of `make test`). Compiles every CSupport/*.c to an
# object in a temporary directory, then with nm:
#  - layers: for each line of LAYERS ("lower : higher ..."), lower.o has no undefined
#    symbol that one of the higher objects defines: dependencies run one way, as in
#    OpenSSH's sshbuf / sshkey split. To add a rule, add a line (names are CSupport/*.c
#    files without the .c);
#  - names: every global symbol is public (`vouch_*`) or an internal helper with the
#    core's `v` prefix (`vder_next`, `vpubkey_verify`): none can collide with another
#    library's `b64_decode` or `der_next` in a program that links the core.
# CC overrides the compiler (default cc).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

LAYERS='
base64   : pem jwt sshkey sshcert
der      : pem cert sig spki crl verify truststore linkcache names jwt sshwire sshkey sshcert
sshwire  : sshkey sshcert krl
sshkey   : sshcert krl
sshcert  : krl
revset   : crl verify truststore
crl      : verify
truststore : verify
'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the rules, checked before compiling anything
lows=() highs=()
while IFS= read -r line; do
  line=${line%%#*}
  [[ $line =~ [^[:space:]] ]] || continue
  read -r -a lower <<<"${line%%:*}"
  read -r -a higher <<<"${line#*:}"
  if [[ $line != *:* ]] || [ "${#lower[@]}" -ne 1 ] || [ "${#higher[@]}" -eq 0 ]; then
    echo "check-c-layers: a LAYERS line is 'lower : higher ...', not: $line"
    exit 1
  fi
  for name in "${lower[@]}" "${higher[@]}"; do
    [ -f "CSupport/$name.c" ] || { echo "check-c-layers: LAYERS names $name, but there is no CSupport/$name.c"; exit 1; }
  done
  lows+=("${lower[0]}") highs+=("${higher[*]}")
done <<<"$LAYERS"

# one object per source, two at a time or more; the compiler says what failed
if ! printf '%s\n' CSupport/*.c | xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c \
  '${CC:-cc} -c -O0 -ICSupport/include -ICSupport "$1" -o "$2/$(basename "$1" .c).o"' _ {} "$tmp"; then
  echo "check-c-layers: FAILED: CSupport does not compile"
  exit 1
fi

# nm -P prints "name type [value size]": type U (or w, weak) is undefined, others defined
undefined() { nm -P -g "$tmp/$1.o" | awk '$2 == "U" || $2 == "w" { print $1 }' | sort -u; }
defined() { nm -P -g "$tmp/$1.o" | awk '$2 != "U" && $2 != "w" { print $1 }' | sort -u; }

bad=0
summary=()
for i in "${!lows[@]}"; do
  low=${lows[$i]}
  undefined "$low" >"$tmp/$low.undefined"
  for high in ${highs[$i]}; do
    defined "$high" >"$tmp/$high.defined"
    while IFS= read -r sym; do
      echo "check-c-layers: $low.c uses $sym, which $high.c (a layer above it) defines"
      bad=1
    done < <(comm -12 "$tmp/$low.undefined" "$tmp/$high.defined")
  done
  summary+=("$low below ${highs[$i]}")
done

names=0
while IFS= read -r sym; do
  echo "check-c-layers: global symbol $sym has neither the public vouch_ prefix nor the internal v prefix (make it static, or name it v<concern>_<verb>)"
  bad=1 names=$((names + 1))
done < <(for o in "$tmp"/*.o; do nm -P -g "$o" | awk '$2 != "U" && $2 != "w" { print $1 }'; done | sort -u | grep -v -E '^(vouch_|v[a-z0-9]+(_|$))' || true)

if [ "$bad" -ne 0 ]; then echo "check-c-layers: FAILED"; exit 1; fi
echo "check-c-layers: OK, no call goes up a layer ($(printf '%s; ' "${summary[@]}" | sed 's/; $//')); every global symbol is vouch_ or v-prefixed"
