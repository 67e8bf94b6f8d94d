#!/usr/bin/env bash
# smoke.sh PITFALLS CASE — run one case at smoke scale and require: a verdict of
# REPRODUCED, or SKIPPED with a reason; its plots drawn; and nothing left behind
# (no file in the host's /dev/shm, no cgroup, no scratch directory, no process).
set -u
bin=$1 case=$2
. "$(dirname "$0")/leftovers.sh"
out=$(mktemp -d /tmp/pf-smoke-XXXXXX)
trap 'rm -rf "$out"' EXIT
shm_before=$(ls -A /dev/shm | sort)

tag=pf-smoke-$case-$$-$RANDOM	# inherited by every process of the run, not by this script
# in the background for its pid: the names of its cgroups and scratch
# directories carry it (other runs on a shared machine have their own)
PITFALLS_TAG=$tag "$bin" run "$case" --scale smoke --out "$out" --quiet &
hpid=$!
wait $hpid
rc=$?
fail() { echo "smoke $case: $*" >&2; exit 1; }

v="$out/latest/$case/verdict.json"
[ -s "$v" ] || fail "no verdict.json (exit $rc)"
status=$(sed -n 's/^  "status": "\(.*\)",$/\1/p' "$v")
reason=$(sed -n 's/^  "reason": "\(.*\)",$/\1/p' "$v")
echo "smoke $case: $status ${reason:+($reason)}"
if [ -n "${PITFALLS_SANITIZED:-}" ]; then
	# Under ASan/UBSan the numbers are not the machine's (shadow memory,
	# redzones, slow-downs): the claims are not judged; the run must complete
	# and no variant (nor the harness) may report a sanitizer error.
	[ $rc -le 1 ] || fail "exit $rc"
	if grep -l -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$out"/latest/"$case"/*.log 2>/dev/null; then
		fail "sanitizer report in a variant's log"
	fi
else
	case "$status" in
	REPRODUCED) [ $rc -eq 0 ] || fail "REPRODUCED but exit $rc" ;;
	SKIPPED) [ -n "$reason" ] || fail "SKIPPED without a reason" ;;
	*) cat "$out/latest/report.md" >&2; fail "verdict $status (exit $rc)" ;;
	esac
fi
# every variant of the case left its result file (a skipped one too, with its reason)
variants=$("$bin" list "$case" | sed -n '/^  variants:/,/^  parameters/{/^    [a-z0-9_]/s/^    \([a-z0-9_]*\).*/\1/p}')
[ -n "$variants" ] || fail "no variants listed"
for var in $variants; do
	[ -s "$out/latest/$case/$var.json" ] || fail "no result file $var.json"
done
# every sampled variant's timeline: the header, 14 columns a row, and in the
# phase column only "-" (before the first phase) or a phase the variant reported
hdr=$(printf 't\trss\tpss\tcg_usage\tcg_anon\tcg_file\tcg_shmem\tshm_used\tmem_available\tcached\tshmem\tdirty\tnprocs\tphase')
for tl in "$out"/latest/"$case"/*.timeline.tsv; do
	[ -e "$tl" ] || continue
	[ "$(head -1 "$tl")" = "$hdr" ] || fail "$(basename "$tl"): not the timeline's header"
	ph="${tl%.timeline.tsv}.phases.tsv"
	bad=$(awk -F'\t' -v ph="$ph" 'BEGIN { ok["-"] = 1; while ((getline l < ph) > 0) { split(l, f, "\t"); ok[f[2]] = 1 } }
		NR > 1 && (NF != 14 || !($14 in ok)) { print NR ": " $0; exit }' "$tl")
	[ -z "$bad" ] || fail "$(basename "$tl"): bad row $bad"
	[ "$(wc -l <"$tl")" -ge 2 ] || fail "$(basename "$tl"): no sample"
done
# no plot file is empty (a full disk or a failed gnuplot must not leave one)
for f in "$out"/latest/plots/*; do
	[ -e "$f" ] || continue
	[ -s "$f" ] || fail "empty plot file $(basename "$f")"
done
if [ -f "$(dirname "$0")/../plots/$case.gp" ] && [ "$status" != SKIPPED ]; then
	ls "$out"/latest/plots/"$case"*.png >/dev/null 2>&1 || fail "no PNG plot drawn"
	ls "$out"/latest/plots/"$case"*.svg >/dev/null 2>&1 || fail "no SVG plot drawn"
fi
# nothing half-written: a table or result is written to NAME.tmp.PID and
# renamed when complete, and a failure path drops it (pf_table_discard)
half=$(find "$out" -name '*.tmp.*' 2>/dev/null)
[ -z "$half" ] || fail "half-written files left: $half"
shm_after=$(ls -A /dev/shm | sort)
# new files only (another tenant's files may come and go meanwhile)
shm_new=$(comm -13 <(echo "$shm_before") <(echo "$shm_after"))
[ -z "$shm_new" ] || fail "left files in /dev/shm: $shm_new"
for root in /sys/fs/cgroup/memory/pitfalls /sys/fs/cgroup/pitfalls; do
	[ -d "$root" ] || continue
	left=$(find "$root" -mindepth 1 -maxdepth 1 -type d -name "$hpid.$case.*")
	[ -z "$left" ] || fail "left cgroups: $left"
done
ls -d /tmp/pitfalls-"$hpid"-* >/dev/null 2>&1 && fail "left scratch directories: $(ls -d /tmp/pitfalls-"$hpid"-*)"
# every process of the run carries PITFALLS_TAG (leftovers.sh);
# tests/leftovers_test.sh shows this check finds a survivor
left=$(pf_leftovers "$tag")
[ -z "$left" ] || fail "left processes: $left"
exit 0
