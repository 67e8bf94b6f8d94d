# leftovers.sh — sourced by the tests: which processes of a run are still alive.
# A test exports PITFALLS_TAG=<unique> before running pitfalls: every process
# of the run inherits it in its environment (forked children share the area,
# exec'd ones inherit it; the harness's watchdog blanks its own copy), so a
# process the run left behind is found by it whatever its command line,
# process group or session.

# pf_leftovers TAG: "pid command" of each live process carrying PITFALLS_TAG=TAG.
pf_leftovers() {
	local tag=$1 f pid
	# one grep over every environment (a zombie's reads empty: not matched)
	grep -lzsxF "PITFALLS_TAG=$tag" /proc/[0-9]*/environ 2>/dev/null | while read -r f; do
		pid=${f#/proc/}
		pid=${pid%/environ}
		[ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
		[ -r "/proc/$pid/cmdline" ] && echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-80)"
	done
}

# pf_leftovers_after TAG TENTHS: wait up to TENTHS × 0.1 s for the run's
# processes to be gone; prints the survivors (empty when none are left).
pf_leftovers_after() {
	local tag=$1 left
	for _ in $(seq "$2"); do
		left=$(pf_leftovers "$tag")
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	echo "$left"
}
