#!/usr/bin/env bash
# plot_empty.sh PITFALLS — a gnuplot that writes empty files (as on a full
# disk) leaves no 0-byte PNG/SVG in plots/, keeps the plots drawn before, and
# `pitfalls plot` exits 3 with one line naming the file.
set -u
bin=$1
out=$(mktemp -d /tmp/pf-plotempty-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "plot_empty: $*" >&2; exit 1; }
"$bin" run type_casting --scale smoke --out "$out" --quiet >/dev/null 2>&1
run="$out/latest"
ls "$run"/plots/type_casting*.png >/dev/null 2>&1 || fail "the real run drew no plot"
before=$(cd "$run/plots" && md5sum type_casting*.png type_casting*.svg | sort)
# the fake: the harness's variables name where to draw; it draws nothing
mkdir "$out/bin"
cat >"$out/bin/gnuplot" <<'FAKE'
#!/bin/sh
vars=$2
outbase=$(printf '%s' "$vars" | sed -n "s/.*outbase='\([^']*\)'.*/\1/p")
term=$(printf '%s' "$vars" | sed -n "s/.*term='\([^']*\)'.*/\1/p")
: >"${outbase}_running_sum.$term"
exit 0
FAKE
chmod +x "$out/bin/gnuplot"
PATH="$out/bin:$PATH" "$bin" plot "$run" >/dev/null 2>"$out/err"
rc=$?
err=$(grep -v '^pitfalls: warning: ' "$out/err")
[ $rc -eq 3 ] || fail "exit $rc, not 3: $err"
[ "$(grep -c . <<<"$err")" -eq 1 ] || fail "stderr is not one line: $err"
grep -qE "^pitfalls: could not write .*/plots/type_casting_running_sum\.(png|svg): gnuplot wrote an empty file$" <<<"$err" ||
	fail "the line does not name the empty file: $err"
e=$(find "$out" \( -name '*.png' -o -name '*.svg' \) -size 0)
[ -z "$e" ] || fail "empty plot files: $e"
[ "$(cd "$run/plots" && md5sum type_casting*.png type_casting*.svg | sort)" = "$before" ] || fail "the good plots were replaced or removed"
echo "plot_empty: exit 3, $err"
