#!/usr/bin/env bash
# Fails when anything tracked reads a path outside the repository: a user's clone has
# nothing beside it. Flags, in tracked files other than the test vectors' data:
#  - a relative path that climbs out ("../"), anywhere but in prose about the repository;
#  - an absolute path into this workplace (/work/...), or the shared test data folder;
#  - a test finding files from its own location other than through Repository.swift.
set -euo pipefail
cd "$(dirname "$0")/.."
self=scripts/check-repo-paths.sh
mapfile -t files < <(git ls-files | grep -v -e '^Tests/Vectors/' -e '^Fuzz/corpus/' -e "^$self\$")
bad=0
report() { echo "check-repo-paths: $1"; bad=1; }
while IFS= read -r hit; do report "climbs out of the repository: $hit"; done < <(grep -nH -F '../' "${files[@]}" 2>/dev/null || true)
while IFS= read -r hit; do report "absolute or shared path: $hit"; done < <(grep -nH -E '(^|[^A-Za-z0-9_.-])/work/|shared/testdata' "${files[@]}" 2>/dev/null || true)
while IFS= read -r hit; do
  case "$hit" in Tests/VouchTestSupport/Repository.swift:*) ;; *) report "finds files by its own location (use Repository.root): $hit" ;; esac
done < <(grep -nH -E '#filePath\)\s*\.deletingLastPathComponent' "${files[@]}" 2>/dev/null || true)
if [ "$bad" -ne 0 ]; then echo "check-repo-paths: FAILED"; exit 1; fi
echo "check-repo-paths: nothing tracked reads outside the repository (${#files[@]} files checked)"
