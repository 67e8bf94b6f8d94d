#!/usr/bin/env bash
# watch_cli.sh PITFALLS — `pitfalls watch`'s contract: bad options (one line,
# exit 2), --help, the command's exit status, --json (stdout: one JSON object
# only, the command's output in the log), --fail-on-findings, --timeout (a hang
# is outcome "timeout", exit 124, nothing left running), the Python hook
# chaining to the system's sitecustomize and not changing NumPy's behaviour,
# the watcher sleeping between its samples.
set -u
bin=$1
out=$(mktemp -d /tmp/pf-watch-cli-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "watch_cli: $*" >&2; exit 1; }
py=/usr/bin/python3

for bad in "--bogus -- true" "--interval 0 -- true" "--interval abc -- true" "--mem-limit 1k -- true" \
	   "--timeout -1 -- true" "--cpus 99999 -- true" "" "--json"; do
	# shellcheck disable=SC2086
	"$bin" watch $bad >"$out/o" 2>"$out/e"
	rc=$?
	[ $rc -eq 2 ] || fail "'watch $bad': exit $rc, want 2"
	[ "$(wc -l <"$out/e")" -eq 1 ] || fail "'watch $bad': $(wc -l <"$out/e") lines on stderr, want 1"
	[ ! -s "$out/o" ] || fail "'watch $bad': wrote to stdout"
done
"$bin" watch --help | grep -q "usage: pitfalls watch" || fail "--help"

"$bin" watch --out "$out" -- sh -c 'exit 3' >/dev/null 2>&1
[ $? -eq 3 ] || fail "exit status of the command not passed on"

"$bin" watch --json --out "$out" -- sh -c 'echo to-the-log; echo err >&2; exit 5' >"$out/j" 2>"$out/e"
[ $? -eq 5 ] || fail "--json: exit status"
$py - "$out/j" <<'PY' || fail "--json: stdout is not exactly one JSON object with the schema's keys"
import json, sys
j = json.loads(open(sys.argv[1]).read())
for k in ("command", "outcome", "exit_code", "wall_s", "peaks", "findings"):
    assert k in j, k
assert j["outcome"] == "failed" and j["exit_code"] == 5, j
PY
grep -q to-the-log "$out"/latest/watch/command.log || fail "--json: the command's output is not in its log"
grep -qx to-the-log "$out/j" && fail "--json: the command's output reached stdout"

# run-variant --needs gives a variant the memory limit `pitfalls run` gives it:
# its own parameter (xgb_mem_limit) over the case's (mem_limit)
own=$("$bin" list circular_refs | awk '$1 == "xgb_mem_limit" {print $2}')
case_lim=$("$bin" list circular_refs | awk '$1 == "mem_limit" {print $2}')
mib() { $py -c "import sys; print(int(sys.argv[1].split('/')[0].replace('MiB', '')) * 2**20)" "$1"; }
[ "$("$bin" run-variant --needs circular_refs/py_xgb_threading)" = "--mem-limit $(mib "$own")" ] ||
	fail "run-variant --needs: not the variant's own limit ($own)"
[ "$("$bin" run-variant --needs circular_refs/py_threading)" = "--mem-limit $(mib "$case_lim")" ] ||
	fail "run-variant --needs: not the case's limit ($case_lim)"

# the interpreter's own collection at exit frees garbage cycles too: the hook
# marks it (2), and it is not taken for the program's automatic collections
"$bin" watch --json --out "$out" -- $py -c '
class N:
    pass
for i in range(8):
    a, b = N(), N()
    a.b, b.a = b, a
    a.buf = bytearray(48 << 20)
    a.buf[::4096] = b"x" * len(a.buf[::4096])   # resident, page by page
' >"$out/j" 2>/dev/null || fail "watch of the cycles program failed"
awk -F'\t' '$1 == "gc" && $NF == 2 {f = 1} END {exit !f}' "$out"/latest/watch/python.events.tsv ||
	fail "the exit collection is not marked as the interpreter's (2)"
$py - "$out/j" <<'PY' || fail "the exit collection was taken for an automatic one (gc_cycle_release)"
import json, sys
j = json.load(open(sys.argv[1]))
assert not [f for f in j["findings"] if f["detector"] == "gc_cycle_release"], j["findings"]
PY

# a process of the command OOM-killed in its cgroup while the command itself
# goes on (a pool worker): counted in oom_kills, where a cgroup can be had
if "$bin" info --json | $py -c 'import json, sys; sys.exit(not json.load(sys.stdin)["containment"]["memory_cgroup"].startswith("yes"))'; then
	"$bin" watch --json --mem-limit 64MiB --out "$out" -- sh -c \
		"$py -c 'b = bytearray(256 << 20); b[::4096] = b\"x\" * len(b[::4096])'; exit 0" >"$out/j" 2>/dev/null
	$py - "$out/j" <<'PY' || fail "a child OOM-killed in the cgroup is not in oom_kills"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["outcome"] == "ok" and j["oom_kills"] >= 1, (j["outcome"], j.get("oom_kills"))
PY
else
	echo "watch_cli: no memory cgroup for this user: oom_kills not tested"
fi

# the watcher sleeps between samples: its own CPU time while a sleeping command
# runs is a few % of the wall (a loop that woke for the deep sample and then
# polled until the next fast one used 37% of a core)
"$bin" watch --json --out "$out" -- sleep 2 >"$out/j" 2>/dev/null || fail "watch -- sleep 2 failed"
$py - "$out/j" <<'PY' || fail "the watcher does not sleep between its samples"
import json, sys
j = json.load(open(sys.argv[1]))
w = j["watcher"]
assert w["cpu_s"] >= w["sample_cpu_s"] + w["deep_sample_cpu_s"] - 1e-3, w
assert w["cpu_s"] < 0.25 * j["wall_s"], (w, j["wall_s"])
PY

# a hang: killed at --timeout, outcome timeout, exit 124, nothing left behind
"$bin" watch --json --timeout 1 --out "$out" -- sh -c 'sleep 300 & sleep 300' >"$out/j" 2>"$out/timeout.err"
rc=$?
[ $rc -eq 124 ] || fail "--timeout: exit $rc, want 124"
grep -q '"outcome": "timeout"' "$out/j" || fail "--timeout: outcome not timeout"
# SIGKILLed processes still have to run their exit: on a loaded machine give
# them 2 s (a survivor would be there for 300); the processes named after the
# command ("sleep 300" in their command line) must then be gone
for _ in $(seq 20); do
	left=$(pgrep -f "sleep 300" | tr '\n' ' ')
	[ -z "$left" ] && break
	sleep 0.1
done
if [ -n "$left" ]; then
	ps -o pid,ppid,pgid,stat,etime,args -p "${left% }" | tr '\n' ';' >&2
	tail -5 "$out/timeout.err" >&2
	fail "--timeout: a process of the command outlived it: $left"
fi

# --fail-on-findings: a finding of medium severity or more makes it 1
cat >"$out/fpe.py" <<'PY'
import numpy as np
x = np.float32(3e38) * np.float32(10)      # overflow, never checked
print(x)
PY
"$bin" watch --out "$out" --fail-on-findings -- $py "$out/fpe.py" >"$out/t" 2>&1
[ $? -eq 1 ] || fail "--fail-on-findings: exit not 1 with a finding"
grep -q unchecked_fp_errors "$out/t" || fail "the table lacks the unchecked_fp_errors finding"
"$bin" watch --out "$out" --no-python-hook -- $py "$out/fpe.py" >"$out/t" 2>&1
grep -q unchecked_fp_errors "$out/t" && fail "--no-python-hook: the hook was loaded"
# the preload hook: a float overflow no one reads, in any program (here
# Python's own float, no NumPy); --no-preload leaves the command alone
"$bin" watch --out "$out" --no-python-hook -- $py -c 'print(1e308 * 10)' >"$out/t" 2>&1
grep -q unchecked_fp_errors "$out/t" || fail "the preload hook did not report an unread overflow flag"
"$bin" watch --out "$out" --no-python-hook --no-preload -- sh -c 'echo "[$LD_PRELOAD]"; exec '"$py"' -c "print(1e308 * 10)"' >"$out/t" 2>&1
grep -q unchecked_fp_errors "$out/t" && fail "--no-preload: the hook was loaded"
grep -q 'libpitfalls-preload' "$out"/latest/watch/command.log && fail "--no-preload: LD_PRELOAD still names the hook"

# the hook changes nothing NumPy does: same warning category, filters apply
cat >"$out/same.py" <<'PY'
import warnings, numpy as np
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    r = np.array([1e308]) * 10
assert np.isinf(r[0]) and w and issubclass(w[0].category, RuntimeWarning), w
warnings.simplefilter("error")
try:
    np.array([1e308]) * 10
    raise SystemExit("no error under the 'error' filter")
except RuntimeWarning:
    pass
np.seterr(over="raise")
try:
    np.array([1e308]) * 10
    raise SystemExit("np.seterr(over='raise') not honoured")
except FloatingPointError:
    pass
import sys
print("system sitecustomize:", "sitecustomize" in sys.modules)
PY
"$bin" watch --out "$out" -- $py "$out/same.py" >"$out/t" 2>&1 || fail "the hook changed NumPy's behaviour: $(tail -3 "$out"/latest/watch/command.log)"
grep -q unchecked_fp_errors "$out/t" && fail "a program that set np.seterr itself was reported"
# chained: the sitecustomize that would have run without the hook still runs
mkdir -p "$out/sys"
echo 'open(__import__("os").environ["MARK"], "w").write("ran")' >"$out/sys/sitecustomize.py"
MARK="$out/mark" PYTHONPATH="$out/sys" "$bin" watch --out "$out" -- $py -c 'print(1)' >/dev/null 2>&1
[ -s "$out/mark" ] || fail "the hook did not chain to the sitecustomize found after it on sys.path"
# --profile: the call stacks of the run, or one line saying why there are none
"$bin" watch --profile --out "$out" -- $py -c 'sum(i * i for i in range(10**6))' >/dev/null 2>"$out/e"
[ -s "$out"/latest/watch/command.folded ] || grep -q "no call stacks" "$out/e" ||
	fail "--profile: neither a profile nor a reason"
# report.html of a watch run shows the findings; a corrupt watch.json is bad input (exit 2, nothing written)
"$bin" watch --out "$out" -- $py -c 'import numpy as np; np.float32(1e20) * np.float32(1e20)' >/dev/null 2>&1
grep -q 'id="watch"' "$out"/latest/report.html || fail "report.html has no watch section"
grep -q unchecked_fp_errors "$out"/latest/report.html || fail "report.html does not list the finding"
echo '{"command": ' >"$out"/latest/watch/watch.json
rm -f "$out"/latest/report.html
"$bin" report "$out"/latest >/dev/null 2>&1
[ $? -eq 2 ] || fail "report over a corrupt watch.json: not exit 2"
[ ! -e "$out"/latest/report.html ] || fail "report.html written from a corrupt watch.json"
echo "watch_cli: ok"
