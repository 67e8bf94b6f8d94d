#!/usr/bin/env bash
# run_json.sh PITFALLS — `run --json` prints one JSON document on stdout and
# nothing else (progress on stderr), whose exit_status is the exit status and
# whose verdicts are those of the run directory; without a terminal, the
# plain progress lines carry no terminal escapes.
set -u
bin=$1
tmp=$(mktemp -d /tmp/pf-runjson-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "run_json: $*" >&2; exit 1; }

"$bin" run type_casting --scale smoke --out "$tmp" --json >"$tmp/out.json" 2>"$tmp/err.txt"
rc=$?
python3 - "$tmp/out.json" "$rc" <<'PY' || fail "stdout: $(head -c 300 "$tmp/out.json")"
import json, os, sys
j = json.load(open(sys.argv[1]))	# the whole of stdout is one document
assert j["exit_status"] == int(sys.argv[2]), (j["exit_status"], sys.argv[2])
assert os.path.isfile(os.path.join(j["run_dir"], "type_casting", "verdict.json"))
assert os.path.isfile(j["report"])
v = json.load(open(os.path.join(j["run_dir"], "type_casting", "verdict.json")))
case = [c for c in j["cases"] if c["case"] == "type_casting"]
assert len(case) == 1 and case[0]["verdict"] == v["status"], case
assert sum(case[0]["checks"].values()) == len(v["checks"])
PY
grep -q "type_casting/float32" "$tmp/err.txt" || fail "no progress on stderr: $(head -3 "$tmp/err.txt")"
grep -q $'\033' "$tmp/err.txt" && fail "terminal escapes without a terminal"
echo "run_json: ok (exit $rc, one JSON document on stdout)"
