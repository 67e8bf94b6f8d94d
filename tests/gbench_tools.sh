#!/usr/bin/env bash
# gbench_tools.sh PITFALLS — the ecosystem's tools on our output: Google
# Benchmark's own compare.py (Debian libbenchmark-tools, with python3-scipy)
# pairs a pathology and its fix from a smoke run's gbench.json, and
# results.csv reads as tidy long-form CSV (series values with their rep).
# Exit 77 (skipped) when compare.py or scipy is not installed.
set -u
bin=$1
compare=${GBENCH_COMPARE:-/usr/share/benchmark/compare.py}
py=/usr/bin/python3	# Debian's python3, where python3-scipy is installed
if [ ! -f "$compare" ]; then
	echo "gbench_tools: SKIPPED: $compare absent (scripts/setup installs libbenchmark-tools)"
	exit 77
fi
if ! "$py" -c "import scipy" 2>/dev/null; then
	echo "gbench_tools: SKIPPED: $py cannot import scipy (scripts/setup installs python3-scipy)"
	exit 77
fi
tmp=$(mktemp -d /tmp/pf-gbench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "gbench_tools: $*" >&2; exit 1; }

"$bin" run broadcast --scale smoke --out "$tmp" --quiet >/dev/null 2>&1
run="$tmp/latest"
[ -s "$run/broadcast/gbench.json" ] || fail "no broadcast/gbench.json"
(cd "$run" && "$py" "$compare" filters broadcast/gbench.json broadcast/materialise/sum broadcast/fused/sum) \
	>"$tmp/compare.txt" 2>&1 || fail "compare.py failed: $(tail -5 "$tmp/compare.txt")"
grep -q "broadcast/materialise/sum vs. broadcast/fused/sum" "$tmp/compare.txt" || fail "compare.py did not pair the two: $(head -5 "$tmp/compare.txt")"
grep -q "U Test" "$tmp/compare.txt" || fail "compare.py ran no U test: $(head -5 "$tmp/compare.txt")"
echo "gbench_tools: compare.py paired broadcast/materialise/sum with broadcast/fused/sum"

"$py" - "$run/results.csv" "$run/broadcast/fused.json" <<'PY' || exit 1
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
if not rows or list(rows[0].keys()) != ["case", "variant", "key", "value", "unit", "rep"]:
    sys.exit("gbench_tools: results.csv header is not case,variant,key,value,unit,rep")
fused = json.load(open(sys.argv[2]))
for key, s in fused["series"].items():
    got = sorted((int(r["rep"]), float(r["value"])) for r in rows
                 if r["case"] == "broadcast" and r["variant"] == "fused" and r["key"] == key)
    want = list(enumerate(s["values"]))
    if [(i, round(v, 12)) for i, v in got] != [(i, round(v, 12)) for i, v in want]:
        sys.exit("gbench_tools: series %s in results.csv %s != fused.json %s" % (key, got, want))
for key, m in fused["metrics"].items():
    got = [r for r in rows if r["variant"] == "fused" and r["key"] == key and r["rep"] == ""]
    if m["value"] is not None and (len(got) != 1 or abs(float(got[0]["value"]) - m["value"]) > 1e-9 * abs(m["value"])):
        sys.exit("gbench_tools: metric %s in results.csv %s != fused.json %s" % (key, got, m["value"]))
print("gbench_tools: results.csv: %d rows, fused's %d series and %d metrics match fused.json"
      % (len(rows), len(fused["series"]), len(fused["metrics"])))
PY
