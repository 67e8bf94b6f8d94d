#!/usr/bin/env bash
# watch_matrix.sh PITFALLS [CASE/VARIANT ...] — the confusion matrix of
# `pitfalls watch`: every pathology and fix variant of the suite (or the ones
# named) run under watch at smoke scale through `pitfalls run-variant`.
# A pathology must raise its own case's detector; so must a partial fix (a
# fix that leaves part of the pathology, as its own claims measure); a fix
# must raise none.
# Prints one TSV row per variant; exit 1 when a row is wrong.  A wrong row
# is run once more: right the second time, it is "ok-on-retry" (a flaky
# detector, shown with the first run's evidence); wrong twice, it fails.
# WATCH_MATRIX_TIMEOUT (s, default 20) ends hung variants (a finding itself).
# WATCH_MATRIX_SCALE (default smoke): the variants' scale (the README's matrix
# is also run at quick, where the pathologies have their size).
# WATCH_MATRIX_SIZES: a file of "CASE/VARIANT<tab>run-variant options<tab>why"
# rows — that variant runs with those options (--set, --reps) at smoke scale:
# a pathology whose smoke size is below what any detector could tell from a
# program's first big array gets the size that is its pathology.  A row keyed
# "CASE/VARIANT@SCALE" is for that scale instead (a smoke row's sizes do not
# carry over: a limit sized for smoke's intermediate kills quick's).
# WATCH_MATRIX_KNOWN: a file of "CASE/VARIANT<tab>RESULT<tab>why" rows — a row
# with that result is reported as known-RESULT and does not fail (each one is
# explained in the README's matrix).  RESULT "FALSE-POSITIVE:CASES" excuses
# only those detectors' cases firing (the fired column), no other.
set -u
bin=$1
shift
out=$(mktemp -d /tmp/pf-watch-matrix-XXXXXX)
trap 'rm -rf "$out"' EXIT
timeout_s=${WATCH_MATRIX_TIMEOUT:-20}
scale=${WATCH_MATRIX_SCALE:-smoke}

# every pathology and fix: "case — title" lines, then "    variant role summary"
all=$("$bin" list | awk '/^[a-z_0-9]+ — /{c=$1} /^    [a-z_0-9]+ +(pathology|fix|partial) /{print c "/" $1}')
if [ $# -eq 0 ]; then
	set -- $all
fi
if [ -n "${PITFALLS_SANITIZED:-}" ] && [ $# -gt 6 ]; then
	set -- "${@:1:6}"	# sanitized builds are slow and not judged: the pipeline on six
fi
bad=0
# every row of a known/sizes file must name a variant of the suite (a
# renamed one would excuse, or size, nothing): check_rows FILE LABEL
check_rows() {
	[ -n "$1" ] || return 0
	for k in $(grep -v '^#' "$1" | cut -f1); do
		case "$k" in *@*) case "${k#*@}" in quick|full|paper) ;; *) echo "watch_matrix: $2 row $k: no such scale" >&2; bad=1 ;; esac ;; esac
		printf '%s\n' "$all" | grep -qx "${k%@*}" || { echo "watch_matrix: $2 row $k: no such variant" >&2; bad=1; }
	done
}
check_rows "${WATCH_MATRIX_KNOWN:-}" known
check_rows "${WATCH_MATRIX_SIZES:-}" sizes
# is this row's result a known one? (WATCH_MATRIX_KNOWN)
is_known() {
	[ -n "${WATCH_MATRIX_KNOWN:-}" ] &&
	awk -F'\t' -v k="$cv" -v r="$1" -v d="$fired" '$1 == k && ($2 == r || $2 == r ":" d) {f=1} END {exit !f}' "$WATCH_MATRIX_KNOWN"
}
printf "case\tvariant\trole\toutcome\tfired\tresult\n"
# one run of a row under watch: sets outcome, fired, result
attempt() {
	"$bin" watch --json --timeout "$timeout_s" --out "$out" $needs -- "$bin" run-variant --scale "$scale" $sized "$cv" \
		>"$out/w.json" 2>"$out/w.err"
	read -r outcome fired < <(/usr/bin/python3 - "$out/w.json" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception as e:
    print("no-json", "-"); sys.exit(0)
code = j.get("exit_code")
out = j["outcome"] + ("" if code in (None, 0) else "(%d)" % code)
print(out, ",".join(sorted({f["case"] for f in j["findings"]})) or "-")
PY
)
	result=ok
	case "$outcome" in
	*"(77)") result=skipped ;;
	esac
	if [ "$result" = ok ]; then
		if [ "$role" = pathology ]; then
			case ",$fired," in *",$c,"*) ;; *) result=MISSED ;; esac
		elif [ "$role" = partial ]; then	# what it leaves is its own case's, only
			case "$fired" in "$c") ;; -) result=MISSED ;; *) result=FALSE-POSITIVE ;; esac
		elif [ "$fired" != "-" ]; then
			result=FALSE-POSITIVE
		fi
	fi
}

# what the next look needs: watch's stderr, the hooks' events (kinds, and
# the pickle totals a method_pickling row is judged on)
evidence() {
	tail -5 "$out/w.err" | sed "s|^|  $cv stderr: |" >&2
	# what fired, and on what numbers (a false positive's detector)
	/usr/bin/python3 - "$out/w.json" <<'PY' 2>/dev/null | sed "s|^|  $cv finding: |" >&2
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print(f["detector"], f["case"], f["summary"][:300])
PY
	for ev in "$out"/[0-9]*/watch/python.events.tsv; do
		[ -f "$ev" ] || continue
		cut -f1 "$ev" | sort | uniq -c | tr '\n' ' ' | sed "s|^|  $cv events: |" >&2 && echo >&2
		grep '^pickle' "$ev" | sed "s|^|  $cv |" >&2
	done
}

for cv in "$@"; do
	c=${cv%%/*} v=${cv#*/}
	role=$("$bin" list "$c" | awk -v v="$v" '$1 == v {print $2; exit}')
	sized=
	key=$cv
	[ "$scale" = smoke ] || key="$cv@$scale"
	[ -z "${WATCH_MATRIX_SIZES:-}" ] || sized=$(awk -F'\t' -v k="$key" '$1 == k {print $2}' "$WATCH_MATRIX_SIZES")
	needs=$("$bin" run-variant --scale "$scale" $sized --needs "$cv") || bad=1
	attempt
	first=$result
	# a wrong row is run once more: a detector right on the second run is
	# flaky, not wrong, and the row says so (with the first run's evidence)
	if [ -z "${PITFALLS_SANITIZED:-}" ] && { [ "$result" = MISSED ] || [ "$result" = FALSE-POSITIVE ]; } &&
	   ! is_known "$result"; then
		evidence
		find "$out" -mindepth 1 -maxdepth 1 ! -name "w.*" -exec rm -rf {} +
		attempt
		[ "$result" = ok ] && result="ok-on-retry (first run: $first)"
	fi
	if [ "$result" != ok ] && is_known "$result"; then
		result="known-$result"
	fi
	if [ -n "${PITFALLS_SANITIZED:-}" ]; then
		# under ASan/UBSan the numbers are not the machine's: the pipeline
		# must complete, findings are not judged
		result="ran (sanitized: not judged)"
		[ "$outcome" != no-json ] || bad=1
		grep -q -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$out/w.err" && bad=1
	fi
	case "$result" in ok|ok-on-retry*|skipped|known-*|ran*) ;; *) bad=1 ;; esac
	printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$c" "$v" "$role" "$outcome" "$fired" "$result"
	case "$result" in
	MISSED|FALSE-POSITIVE|no-json) evidence ;;
	esac
	find "$out" -mindepth 1 -maxdepth 1 ! -name "w.*" -exec rm -rf {} +	# the run directories (named by date)
done
exit $bad
