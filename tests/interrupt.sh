#!/usr/bin/env bash
# interrupt.sh PITFALLS — SIGTERM to `pitfalls run` in the middle of a
# Google Benchmark variant: the run ends "interrupted" with exit 130 (not 3,
# "results could not be written": the variant's cut benchmark file is the
# interruption's, not a full disk's), and no process of the run is left.
set -u
bin=$1
. "$(dirname "$0")/leftovers.sh"
out=$(mktemp -d /tmp/pf-interrupt-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "interrupt: $*" >&2; exit 1; }

tag=pf-interrupt-$$-$RANDOM
PITFALLS_TAG=$tag "$bin" run basel/materialized --scale quick --out "$out" --quiet >"$out/log" 2>&1 &
h=$!
# wait until the variant is timing (its benchmark file has been opened)
for _ in $(seq 200); do
	ls "$out"/*/basel/.gbench/*.json >/dev/null 2>&1 && break
	sleep 0.05
done
ls "$out"/*/basel/.gbench/*.json >/dev/null 2>&1 || { kill -9 $h; fail "the variant never started its benchmark"; }
sleep 0.5
kill -TERM $h
wait $h
rc=$?
grep -q 'could not write' "$out/log" && fail "reported as a write failure: $(grep 'could not write' "$out/log")"
[ "$rc" -eq 130 ] || fail "exit $rc after SIGTERM, not 130: $(tail -3 "$out/log")"
grep -q 'interrupted' "$out/log" || fail "no 'interrupted' line: $(tail -3 "$out/log")"
left=$(pf_leftovers_after "$tag" 15)
[ -z "$left" ] || { kill -9 $(awk '{print $1}' <<<"$left") 2>/dev/null; fail "survivors: $left"; }
echo "interrupt: exit 130, interrupted, nothing left"
