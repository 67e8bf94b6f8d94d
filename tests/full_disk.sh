#!/usr/bin/env bash
# full_disk.sh PITFALLS — a run whose --out is a 40 KiB tmpfs (mounted in a
# private mount namespace): exit 3, exactly one line on stderr naming the file
# and the errno (besides a noise warning), no verdict.json (none may be computed from missing results),
# no empty plot file, and no `latest` pointing at the broken run.
set -u
bin=$1
if [ "${2:-}" != inside ]; then
	# root: a mount namespace; an ordinary user: through a user namespace
	if [ "$(id -u)" = 0 ]; then ns=(unshare -m); else ns=(unshare -r -m); fi
	"${ns[@]}" true 2>/dev/null || { echo "full_disk: no private mount namespace here: skipped"; exit 77; }
	exec "${ns[@]}" "$0" "$bin" inside
fi
fail() { echo "full_disk: $*" >&2; exit 1; }
d=$(mktemp -d /tmp/pf-full-XXXXXX)
trap 'umount "$d" 2>/dev/null; rm -rf "$d" "$d.err"' EXIT
mount --make-rprivate / 2>/dev/null
mount -t tmpfs -o size=40k tmpfs "$d" || { echo "full_disk: cannot mount a tmpfs: skipped"; exit 77; }

"$bin" run type_casting --scale smoke --out "$d" --quiet 2>"$d.err" >/dev/null
rc=$?
# the run's error, apart from the noise warning a busy machine gets at the start
err=$(grep -v '^pitfalls: warning: ' "$d.err")
[ $rc -eq 3 ] || fail "exit $rc, not 3: $err"
[ "$(grep -c . <<<"$err")" -eq 1 ] || fail "stderr is not one line: $err"
grep -qE "^pitfalls: could not write $d/[^ ]+: .*\((ENOSPC|EDQUOT|EFBIG)\)$" <<<"$err" || fail "the line does not name the file and errno: $err"
v=$(find "$d" -name verdict.json)
[ -z "$v" ] || fail "a verdict was computed from missing results: $v"
e=$(find "$d" \( -name '*.png' -o -name '*.svg' \) -size 0)
[ -z "$e" ] || fail "empty plot files: $e"
[ -e "$d/latest" ] && fail "latest points at the broken run: $(readlink "$d/latest")"
echo "full_disk: run exit 3, $err"

# `pitfalls verdict` and `plot` over a complete run whose disk is then filled:
# exit 3 and one line too, the old verdict.json kept whole
umount "$d"
mount -t tmpfs -o size=8m tmpfs "$d" || fail "cannot mount the 8 MiB tmpfs"
"$bin" run type_casting/float32 type_casting/float64 --scale smoke --out "$d" --quiet >/dev/null 2>&1
[ -L "$d/latest" ] || fail "the run on 8 MiB did not complete"
v="$d/latest/type_casting/verdict.json"
before=$(md5sum <"$v")
head -c 9000000 /dev/zero >"$d/filler" 2>/dev/null
for cmd in verdict plot; do
	"$bin" $cmd "$d/latest" >/dev/null 2>"$d.err"
	rc=$?
	err=$(grep -v '^pitfalls: warning: ' "$d.err")
	[ $rc -eq 3 ] || fail "$cmd on a full disk: exit $rc, not 3: $err"
	[ "$(grep -c . <<<"$err")" -eq 1 ] || fail "$cmd: stderr is not one line: $err"
	grep -q "^pitfalls: could not write $d/.*(ENOSPC)$" <<<"$err" || fail "$cmd: the line does not name file and errno: $err"
done
[ "$(md5sum <"$v")" = "$before" ] || fail "verdict.json changed by a failed rewrite"
e=$(find "$d" \( -name '*.png' -o -name '*.svg' \) -size 0)
[ -z "$e" ] || fail "empty plot files after plot on a full disk: $e"
echo "full_disk: verdict and plot on a full disk exit 3"
exit 0
