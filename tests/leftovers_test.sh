#!/usr/bin/env bash
# leftovers_test.sh — the leftover-process check of the smoke tests can fail:
# a process planted with a run's marker (and one without) must be found (and
# not), and once killed must no longer be.
set -u
. "$(dirname "$0")/leftovers.sh"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# a "variant" that left a grandchild behind: marked, renamed, in its own session
tag=pf-left-$$-$RANDOM
PITFALLS_TAG=$tag setsid bash -c 'exec -a innocent-looking sleep 60' &
marked=$!
PITFALLS_TAG=$tag-other sleep 60 &
unmarked=$!
sleep 0.3
left=$(pf_leftovers "$tag")
grep -q "^$marked " <<<"$left" || fail "the planted process $marked was not found: '$left'"
grep -q "^$unmarked " <<<"$left" && fail "an unmarked process $unmarked was reported"
grep -q "^$marked " <<<"$(pf_leftovers "$tag-other")" && fail "another run's check found this run's process"
kill -9 $marked $unmarked 2>/dev/null
wait $marked $unmarked 2>/dev/null
left=$(pf_leftovers "$tag")
[ -z "$left" ] || fail "still reported after kill: $left"
echo "leftovers check: $((fails == 0 ? 1 : 0)) (1 = can find a survivor and only it)"
[ $fails -eq 0 ]
