#!/usr/bin/env bash
# run_dirs.sh PITFALLS — two runs started in the same second into one --out get
# two run directories (mkdir is the atomic claim), and results/latest points at
# a complete run (one with report.md), never at a missing or partial one.
set -u
bin=$1
out=$(mktemp -d /tmp/pf-dirs-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "run_dirs: $*" >&2; exit 1; }
"$bin" run type_casting/fenv_check --scale smoke --interval 0 --out "$out" --quiet >/dev/null 2>&1 &
a=$!
"$bin" run type_casting/fenv_check --scale smoke --interval 0 --out "$out" --quiet >/dev/null 2>&1 &
b=$!
wait $a; ra=$?
wait $b; rb=$?
[ $ra -le 1 ] && [ $rb -le 1 ] || fail "exits $ra $rb"
n=$(find "$out" -mindepth 1 -maxdepth 1 -type d | wc -l)
[ "$n" -eq 2 ] || fail "$n run directories for 2 runs: $(ls "$out")"
for d in "$out"/*/; do
	[ -s "$d/machine.json" ] && [ -s "$d/type_casting/verdict.json" ] || fail "incomplete run in $d"
done
[ -L "$out/latest" ] && [ -s "$out/latest/report.md" ] || fail "latest is not a complete run"
echo "run_dirs: $(ls "$out" | grep -v latest | tr '\n' ' ')latest -> $(readlink "$out/latest")"
