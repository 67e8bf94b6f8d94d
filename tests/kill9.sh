#!/usr/bin/env bash
# kill9.sh PITFALLS — kill -9 of the harness while a variant hangs
# (fork_deadlock/fork_mutex_harness: a parent and its forked child blocked on
# a mutex forever) leaves no process of the run alive after 1.5 s: the
# watchdog kills every variant's process group and cgroup.
set -u
bin=$1
. "$(dirname "$0")/leftovers.sh"
out=$(mktemp -d /tmp/pf-kill9-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "kill9: $*" >&2; exit 1; }

tag=pf-kill9-$$-$RANDOM	# given to pitfalls only, not to this script
PITFALLS_TAG=$tag "$bin" run fork_deadlock/fork_mutex_harness --scale smoke --out "$out" --quiet >/dev/null 2>&1 &
h=$!
n=0
for _ in $(seq 150); do
	n=$(pf_leftovers "$tag" | wc -l)
	[ "$n" -ge 2 ] && break
	sleep 0.1
done
[ "$n" -ge 2 ] || { kill -9 $h; fail "the variant and its hung child never both ran ($n seen)"; }
sleep 0.3
before=$(pf_leftovers "$tag")
kill -9 $h
wait $h 2>/dev/null
t0=$(date +%s.%N)
left=$(pf_leftovers_after "$tag" 15)
t1=$(date +%s.%N)
[ -z "$left" ] && echo "kill9: $(wc -l <<<"$before") processes of the run, none left $(awk "BEGIN{printf \"%.2f\", $t1 - $t0}") s after kill -9" && exit 0
kill -9 $(awk '{print $1}' <<<"$left") 2>/dev/null
fail "survivors 1.5 s after kill -9 of the harness: $left"
