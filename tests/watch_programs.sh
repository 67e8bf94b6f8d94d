#!/usr/bin/env bash
# watch_programs.sh PITFALLS OMP_OVERSUB JEMALLOC_SO GROWTH_SIM TASK_PIPE BATCH_CACHE —
# programs the suite does not contain, written as users write them
# (tests/watch_programs/), each run under `pitfalls watch`: the finding each
# must raise, by detector name, and the silence of its fixed form.
set -u
bin=$1 omp=$2 jemalloc=${3:-} growth=${4:-} pipe=${5:-} cache=${6:-}
dir=$(cd "$(dirname "$0")/watch_programs" && pwd)
out=$(mktemp -d /tmp/pf-watch-prog-XXXXXX)
trap 'rm -rf "$out"' EXIT
py=/usr/bin/python3
bad=0
if [ -n "${PITFALLS_SANITIZED:-}" ]; then
	echo "watch_programs: skipped under sanitizers (their numbers are not the machine's)"
	exit 77
fi

expect() {	# NAME DETECTOR -- COMMAND...
	local name=$1 det=$2
	shift 3
	"$bin" watch --json --timeout 60 --out "$out" ${WOPTS:-} -- "$@" >"$out/j" 2>"$out/e"
	if grep -q "\"detector\": \"$det\"" "$out/j"; then
		echo "watch_programs: $name: $det found"
	else
		echo "watch_programs: $name: $det NOT found; findings: $(grep '"detector"' "$out/j" | tr -d ' \n')" >&2
		bad=1
	fi
}

silent() {	# NAME DETECTOR -- COMMAND...: the detector must not fire
	local name=$1 det=$2
	shift 3
	"$bin" watch --json --timeout 60 --out "$out" -- "$@" >"$out/j" 2>"$out/e"
	if grep -q '"outcome"' "$out/j" && ! grep -q "\"detector\": \"$det\"" "$out/j"; then
		echo "watch_programs: $name: no $det, as it should"
	else
		echo "watch_programs: $name: $det found (or no JSON): $(head -c 300 "$out/j")" >&2
		bad=1
	fi
}

# a C program's float overflow, never checked: the preload hook's exit report
if [ -n "$growth" ]; then
	expect growth_sim unchecked_fp_errors -- "$growth"
	silent "growth_sim checked" unchecked_fp_errors -- "$growth" checked
fi
# a C pool that sends its whole model with every task (the preload hook's
# repeated payloads), and the same pool sending it once per worker
if [ -n "$pipe" ]; then
	expect task_pipe self_shipped -- "$pipe"
	silent "task_pipe once" self_shipped -- "$pipe" once
fi
# a C loader whose freed batch buffers glibc keeps (the preload hook's heap
# samples), and the same loader reusing one buffer per slot
if [ -n "$cache" ]; then
	expect batch_cache heap_kept_free -- "$cache"
	silent "batch_cache reuse" heap_kept_free -- "$cache" reuse
fi
# a private /dev/shm (watch sees inside it): loky's semaphores, left when its
# resource tracker is killed with the command's group, never reach the host's
WOPTS="--shm-size 2GiB" expect cv_joblib_slices shm_memmap_growth -- $py "$dir/cv_joblib_slices.py"
# its ENOSPC projection divides the free space of the filesystem that holds
# the files (the private 2 GiB /dev/shm, read while it exists), not /tmp's
free=$(/usr/bin/python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["findings"]:
    if f["detector"] == "shm_memmap_growth": print(int(f["evidence"].get("fs_free_bytes", -1)))' "$out/j" 2>/dev/null)
if [ -n "$free" ] && [ "$free" -gt 0 ] && [ "$free" -le $((2 << 30)) ]; then
	echo "watch_programs: cv_joblib_slices: ENOSPC projected on the private /dev/shm ($free bytes free)"
else
	echo "watch_programs: cv_joblib_slices: fs_free_bytes '$free' is not the private 2 GiB /dev/shm's" >&2
	bad=1
fi
expect omp_oversub oversubscribed -- "$omp" 3
if [ -n "$jemalloc" ] && [ -e "$jemalloc" ]; then
	expect tf_alloc_loop allocator_fault_churn -- env LD_PRELOAD="$jemalloc" \
		MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0 $py "$dir/tf_alloc_loop.py" 3
	# with --profile the finding cites the stacks (the fault tower), where
	# kernel frames could be sampled (root, or perf_event_paranoid <= 1)
	"$bin" watch --profile --json --timeout 60 --out "$out" -- env LD_PRELOAD="$jemalloc" \
		MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0 $py "$dir/tf_alloc_loop.py" 3 >"$out/j" 2>"$out/e"
	if grep -q '_\[k\]' "$out"/latest/watch/command.folded 2>/dev/null; then
		if grep -q '"samples_under_page_faults"' "$out/j"; then
			echo "watch_programs: tf_alloc_loop --profile: the finding cites the samples under page faults"
		else
			echo "watch_programs: tf_alloc_loop --profile: kernel frames sampled but the finding cites no stacks" >&2
			bad=1
		fi
	else
		echo "watch_programs: tf_alloc_loop --profile: no kernel frames here ($(head -c 200 "$out/e")): stacks not cited"
	fi
else
	echo "watch_programs: tf_alloc_loop skipped: no libjemalloc (scripts/setup installs libjemalloc2)"
fi
exit $bad
