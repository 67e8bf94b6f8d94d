#!/usr/bin/env bash
# cli_bad.sh PITFALLS — bad invocations: each must exit 2 with exactly one line
# on stderr (naming the bad token), nothing on stdout, and leave no file behind.
set -u
bin=$1
out=$(mktemp -d /tmp/pf-cli-XXXXXX)
trap 'rm -rf "$out"' EXIT
fails=0 n=0

# expect "needle" args... : exit 2, one stderr line containing needle
expect() {
	local needle=$1; shift
	local err rc lines
	n=$((n + 1))
	err=$("$bin" "$@" 2>&1 >"$out/.stdout")
	rc=$?
	lines=$(printf '%s\n' "$err" | grep -c .)
	if [ $rc -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -qF -- "$needle" <<<"$err" || [ -s "$out/.stdout" ]; then
		echo "FAIL: pitfalls $* -> exit $rc, $lines line(s): $err" >&2
		fails=$((fails + 1))
	fi
	rm -f "$out/.stdout"
}

o=(--out "$out/r")
expect "no command"
expect "unknown command 'rnu'" rnu
expect "did you mean run" rnu
expect "unknown case 'nonesuch'" run nonesuch "${o[@]}"
expect "did you mean basel" run basle "${o[@]}"
expect "has no variant 'fastest'" run basel/fastest "${o[@]}"
expect "unknown scale 'huge'" run basel --scale huge "${o[@]}"
expect "option --scale needs a value" run basel "${o[@]}" --scale
expect "unknown unit 'XB'" run basel --set basel.n=8XB "${o[@]}"
expect "has no parameter 'arrray'" run basel --set basel.arrray=1 "${o[@]}"
expect "unknown case 'nocase'" run --set nocase.n=1 "${o[@]}"
expect "expected case.param=value" run --set basel "${o[@]}"
expect "expected case.param=value" run --set basel.n "${o[@]}"
expect "is not a number" run --set basel.n=abc "${o[@]}"
expect "out of range" run --set basel.n=1 "${o[@]}"
expect "whole number" run --set basel.n=1.5 "${o[@]}"
expect "bad cpu list '0-99'" run basel --cpus 0-99 "${o[@]}"
expect "bad cpu list 'x'" run basel --cpus x "${o[@]}"
expect "runs backwards" run basel --cpus 1-0 "${o[@]}"
expect "bad --reps 'zero'" run basel --reps zero "${o[@]}"
expect "bad --reps '0'" run basel --reps 0 "${o[@]}"
expect "bad --reps '2.5'" run basel --reps 2.5 "${o[@]}"
expect "bad --reps '0'" run-variant basel/loop --reps 0
expect "out of range" run-variant --set basel.n=1 basel/loop
expect "not a parameter of basel" run-variant --set broadcast.n=100 basel/loop
expect "has no parameter 'nn'" run-variant basel/loop --set basel.nn=3
expect "not CASE/VARIANT" undecided basel quick 3 a=1 b=1
expect "no variant 'nope'" undecided basel/nope quick 3 a=1 b=1
expect "bad scale 'fast'" undecided basel/simd fast 3 a=1 b=1
expect "bad number of looks '0'" undecided basel/simd quick 0 a=1 b=1
expect "bad seconds in arm 'a'" undecided basel/simd quick 3 a=1,x b=1,1
expect "has 1 rounds, the first 2" undecided basel/simd quick 3 a=1,2 b=1
expect "is not ARM=SECONDS" undecided basel/simd quick 3 a=1 =1
expect "bad number of looks 'x'" undecided --min-block x
expect "bad number of looks ''" undecided --min-block
expect "bad --timeout '-5'" run basel --timeout -5 "${o[@]}"
expect "bad --interval '1us'" run basel --interval 1us "${o[@]}"
expect "unknown option '--fast'" run basel --fast "${o[@]}"
expect "list: unexpected argument" list basel broadcast
expect "unknown case 'basle'" list basle
expect "info: unknown option '--xml'" info --xml
expect "no run directory at '$out/none'" plot "$out/none"
expect "plot: unexpected argument" plot "$out" "$out"
expect "no run directory at '$out/none'" report "$out/none"
expect "report: unknown option '--pdf'" report --pdf
expect "needs two run directories" compare "$out"
expect "compare: unknown option '--csv'" compare --csv "$out" "$out"
expect "'$out/none' is not a run directory" compare "$out/none" "$out/none"
expect "option --html needs a value" compare "$out" "$out" --html
expect "--out /proc/nope/x: cannot create or write it" run type_casting --scale smoke --out /proc/nope/x
expect "cannot create or write it" run type_casting --scale smoke --out /dev/null/x
touch "$out/afile"
expect "cannot create or write it" run type_casting --scale smoke --out "$out/afile"
expect "option --out needs a value" run type_casting --out
expect "verdict: unknown option '--fast'" verdict --fast
expect "unknown option '--x'" plot --x

# a corrupt results file: one line, exit 2, nothing rewritten
mkdir -p "$out/bad/basel"
echo '{"date": "x"}' >"$out/bad/machine.json"
echo '{"variant": "loop", "outcome": "ok", "metrics": {' >"$out/bad/basel/loop.json"
expect "corrupt results file" plot "$out/bad"
expect "corrupt results file" verdict "$out/bad"
expect "corrupt results file" report "$out/bad"
[ -e "$out/bad/report.html" ] && { echo "FAIL: report.html written from a corrupt run" >&2; fails=$((fails + 1)); }
[ -e "$out/bad/basel/verdict.json" ] && { echo "FAIL: verdict written from a corrupt run" >&2; fails=$((fails + 1)); }
[ -e "$out/bad/report.md" ] && { echo "FAIL: report written from a corrupt run" >&2; fails=$((fails + 1)); }
echo 'not json' >"$out/bad/machine.json"
expect "corrupt or missing results file" plot "$out/bad"

# nothing was written by any bad run
[ -e "$out/r" ] && { echo "FAIL: a bad invocation created $out/r" >&2; fails=$((fails + 1)); }
[ $n -ge 25 ] || { echo "FAIL: only $n bad invocations (issue 9 asks for 25)" >&2; fails=$((fails + 1)); }
echo "$((n - fails)) of $n passed, $fails failed"
[ $fails -eq 0 ]
