#!/usr/bin/env bash
# shm_host.sh PITFALLS — a variant's /dev/shm figures are its own private
# tmpfs only: with 48 MiB of someone else's files in the (namespaced) host
# /dev/shm, slice_memmap/reused_slices' peak_shm stays at its one array (the
# sampler must not read /dev/shm before the child has entered its namespace).
set -u
bin=$1
if [ "${2:-}" != inside ]; then
	[ "$(id -u)" = 0 ] || { echo "shm_host: needs root (a tmpfs over /dev/shm): skipped"; exit 77; }
	unshare -m true 2>/dev/null || { echo "shm_host: no mount namespace: skipped"; exit 77; }
	exec unshare -m "$0" "$bin" inside
fi
fail() { echo "shm_host: $*" >&2; exit 1; }
mount --make-rprivate / && mount -t tmpfs -o size=64m tmpfs /dev/shm || fail "cannot mount a tmpfs on /dev/shm"
head -c $((48 << 20)) /dev/zero >/dev/shm/other-tenant
out=$(mktemp -d /tmp/pf-shmhost-XXXXXX)
trap 'rm -rf "$out"' EXIT
"$bin" run slice_memmap/reused_slices --scale smoke --out "$out" --quiet >/dev/null 2>&1
j="$out/latest/slice_memmap/reused_slices.json"
[ -s "$j" ] || fail "no result"
peak=$(python3 -c "import json,sys; print(int(json.load(open(sys.argv[1]))['metrics']['peak_shm']['value']))" "$j")
[ "$peak" -lt $((40 << 20)) ] || fail "peak_shm $peak B counts the host's 48 MiB /dev/shm"
echo "shm_host: peak_shm $peak B with 48 MiB in the host's /dev/shm"
