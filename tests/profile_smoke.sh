#!/usr/bin/env bash
# profile_smoke.sh PITFALLS — `pitfalls run --profile` on one smoke variant
# (not one that is always profiled) through the harness: the folded stacks and the flame graph exist, the SVG has
# samples and no external reference.  Exit 77 (SKIPPED) with the reason when
# this machine does not allow perf sampling.
set -u
bin=$1
out=$(mktemp -d /tmp/pf-profile-XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "profile smoke: $*" >&2; exit 1; }

"$bin" run allocator_madvise/glibc_mmap --scale smoke --profile --out "$out" --quiet >/dev/null 2>&1
d="$out/latest/allocator_madvise"
[ -s "$d/glibc_mmap.json" ] || fail "no result"
if [ ! -e "$d/glibc_mmap.folded" ]; then
	why=$(sed -n 's/^ *"profile": "\(.*\)",\{0,1\}$/\1/p' "$d/glibc_mmap.json")
	[ -n "$why" ] || fail "no folded stacks and no reason"
	echo "SKIPPED: perf sampling not allowed: $why"
	exit 77
fi
svg="$out/latest/plots/allocator_madvise_flame_glibc_mmap.svg"
[ -s "$svg" ] || fail "no flame graph in plots/"
[ -s "$d/glibc_mmap.flame.svg" ] || fail "no flame graph beside the folded stacks"
grep -q "allocator_madvise/glibc_mmap (baseline) — [0-9]* samples" "$svg" || fail "title without variant and total"
sed 's#xmlns="http://www.w3.org/2000/svg"##' "$svg" | grep -q -E 'http|<script|href|src=|url\(' &&
	fail "the SVG references something outside itself"
grep -q '"profile_samples"' "$d/glibc_mmap.json" || fail "no profile_samples metric"
# mmap + munmap per buffer: the faults are the kernel's, when kernel frames are allowed
if grep -q 'user + kernel frames' "$d/glibc_mmap.json"; then
	grep -q 'exc_page_fault_\[k\]' "$d/glibc_mmap.folded" || fail "kernel frames allowed but no page-fault frame"
fi
echo "profile smoke: $(wc -l < "$d/glibc_mmap.folded") stacks, $(grep -o '— [0-9]* samples' "$svg")"
exit 0
