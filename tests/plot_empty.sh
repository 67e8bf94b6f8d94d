#!/usr/bin/env bash
# plot_empty.sh PITFALLS — a gnuplot that writes empty files (a script with
# nothing to draw, the disk not full) leaves no 0-byte PNG/SVG in plots/, keeps
# the plots drawn before, and `pitfalls plot` warns in one line naming the file
# and exits 0 (a full disk is full_disk.sh's: exit 3).
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
err=$(grep -v '^pitfalls: warning: the machine' "$out/err")
[ $rc -eq 0 ] || fail "exit $rc, not 0: $err"
[ "$(grep -c . <<<"$err")" -eq 2 ] || fail "stderr is not one line per empty file (png, svg): $err"
grep -qE "^pitfalls: warning: .*/plots/type_casting_running_sum\.(png|svg): nothing drawn" <<<"$err" ||
	fail "the line does not name the empty file: $err"
e=$(find "$out" \( -name '*.png' -o -name '*.svg' \) -size 0)
[ -z "$e" ] || fail "empty plot files: $e"
[ "$(cd "$run/plots" && md5sum type_casting*.png type_casting*.svg | sort)" = "$before" ] || fail "the good plots were replaced or removed"
echo "plot_empty: exit 0, $err"
