#!/usr/bin/env bash
# report_browser.sh PITFALLS — report.html in a real browser: a smoke run of a
# fast case, its report rendered by headless Chromium.  Fails on a console
# error (a blocked external asset, a script error), an image that did not
# decode, a page wider than a phone, or a blank table or plot in the
# screenshot.  Exit 77 (skipped) when Chromium is not installed.
set -u
bin=$1
chromium=${CHROMIUM:-/usr/bin/chromium}
case_=type_casting	# seconds at smoke scale, two plots
if [ ! -x "$chromium" ]; then
	echo "report_browser: SKIPPED: $chromium is not installed (scripts/setup installs Debian's chromium)"
	exit 77
fi
command -v python3 >/dev/null || { echo "report_browser: SKIPPED: python3 missing"; exit 77; }
tmp=$(mktemp -d /tmp/pf-browser-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "report_browser: $*" >&2; exit 1; }

"$bin" run "$case_" --scale smoke --out "$tmp/results" --quiet >/dev/null
report="$tmp/results/latest/report.html"
[ -s "$report" ] || fail "no report.html"
grep -q "data:image/svg+xml;base64," "$report" || fail "no embedded SVG plot in report.html"

# One Chromium invocation, a fresh profile each time, nothing from the network.
browse() {
	local prof
	prof=$(mktemp -d "$tmp/profile-XXXXXX")
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --user-data-dir="$prof" \
		--force-device-scale-factor=1 --hide-scrollbars --enable-logging=stderr --v=0 "$@"
}

# 1. A probe copy: the same page plus a script (allowed by a relaxed CSP in
# the copy only) that measures the layout after load and flags images that
# did not decode.  The probe is appended after everything, so the positions
# it reports are those of the original page.
python3 - "$report" "$tmp/probe.html" <<'EOF'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
csp = "style-src 'unsafe-inline'"
script = """<script>
window.addEventListener("load", function () {
	var r = function (e) { var b = e.getBoundingClientRect(); return [Math.round(b.left), Math.round(b.top + scrollY), Math.round(b.width), Math.round(b.height)]; };
	var imgs = Array.prototype.map.call(document.images, function (i) {
		if (!i.complete || i.naturalWidth === 0) console.error("missing image " + i.alt);
		return { alt: i.alt, ok: i.complete && i.naturalWidth > 0, box: r(i) };
	});
	var p = document.createElement("pre");
	p.id = "probe";
	p.textContent = JSON.stringify({ table: r(document.getElementById("verdicts")), imgs: imgs,
		scrollWidth: document.documentElement.scrollWidth, innerWidth: innerWidth });
	document.body.appendChild(p);
});
</script></body></html>"""
if csp not in page or "</body></html>" not in page:
    sys.exit(1)
page = page.replace(csp, csp + "; script-src 'unsafe-inline'").replace("</body></html>", script)
open(sys.argv[2], "w", encoding="utf-8").write(page)
EOF
grep -q 'id = "probe"' "$tmp/probe.html" || fail "could not build the probe page"

probe() {	# probe WIDTH HEIGHT -> $tmp/probe-WIDTH.json
	browse --window-size="$1,$2" --virtual-time-budget=10000 --dump-dom "file://$tmp/probe.html" \
		>"$tmp/dom-$1.html" 2>"$tmp/log-probe-$1.txt" || fail "chromium --dump-dom failed: $(tail -3 "$tmp/log-probe-$1.txt")"
	python3 - "$tmp/dom-$1.html" >"$tmp/probe-$1.json" <<'EOF' || fail "no probe in the dumped DOM (page did not load?)"
import html, re, sys
m = re.search(r'<pre id="probe">(.*?)</pre>', open(sys.argv[1], encoding="utf-8").read(), re.S)
sys.exit(1) if not m else print(html.unescape(m.group(1)))
EOF
}
probe 1000 1200
probe 390 844		# a phone (headless Chromium widens windows under 500 px to 500)

# 2. The original page, screenshot tall enough to hold the first plot.
height=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); i=p["imgs"][0]["box"]; print(i[1]+i[3]+40)' "$tmp/probe-1000.json") ||
	fail "no image in the probe: $(cat "$tmp/probe-1000.json")"
(cd "$tmp" && browse --window-size="1000,$height" --screenshot="$tmp/shot.png" "file://$report") \
	>/dev/null 2>"$tmp/log-shot.txt" || fail "chromium --screenshot failed: $(tail -3 "$tmp/log-shot.txt")"
[ -s "$tmp/shot.png" ] || fail "no screenshot"
[ -n "${PF_KEEP_SCREENSHOT:-}" ] && cp "$tmp/shot.png" "$PF_KEEP_SCREENSHOT"

# Console messages of either page (Chromium logs them as CONSOLE lines): the
# report has no script, the probe logs only missing images, so any is an error.
if grep -q "CONSOLE" "$tmp"/log-*.txt; then
	fail "console errors: $(grep -h CONSOLE "$tmp"/log-*.txt | head -5)"
fi
# The detector itself: a copy with an external image and a broken one must
# produce console messages, or the check above proves nothing.
python3 -c 'import sys; p=open(sys.argv[1]).read(); open(sys.argv[2],"w").write(p.replace("<body>", "<body><img alt=\"ext\" src=\"http://192.0.2.1/x.png\"><img alt=\"broken\" src=\"data:image/svg+xml;base64,AAAA\">", 1))' \
	"$tmp/probe.html" "$tmp/broken.html"
browse --window-size=1000,800 --virtual-time-budget=10000 --dump-dom "file://$tmp/broken.html" >/dev/null 2>"$tmp/broken-log.txt"
grep -q "CONSOLE.*192.0.2.1" "$tmp/broken-log.txt" || fail "negative control: a blocked external image was not reported"
grep -q "CONSOLE.*missing image broken" "$tmp/broken-log.txt" || fail "negative control: a broken image was not reported"

# 3. The checks, with a small PNG decoder (zlib + the five row filters).
python3 - "$tmp/probe-1000.json" "$tmp/probe-390.json" "$tmp/shot.png" <<'EOF' || exit 1
import json, struct, sys, zlib

def fail(msg):
    print("report_browser: " + msg, file=sys.stderr)
    sys.exit(1)

wide, phone = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = [i["alt"] for i in wide["imgs"] if not i["ok"]]
if bad:
    fail("images that did not decode: %s" % bad)
if len(wide["imgs"]) < 2:
    fail("expected the case's two plots, found %d images" % len(wide["imgs"]))
if phone["scrollWidth"] > phone["innerWidth"] + 1:
    fail("page wider than a phone: scrollWidth %d > %d" % (phone["scrollWidth"], phone["innerWidth"]))

data = open(sys.argv[3], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    fail("screenshot is not a PNG")
pos, idat = 8, b""
while pos < len(data):
    n, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if typ == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif typ == b"IDAT":
        idat += body
    pos += 12 + n
if depth != 8 or ctype not in (2, 6):
    fail("unexpected PNG format: depth %d colour type %d" % (depth, ctype))
bpp = 4 if ctype == 6 else 3
raw, stride = zlib.decompress(idat), w * bpp
rows, prev, i = [], bytearray(stride), 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line

def ink(box, what):
    x0, y0, bw, bh = box
    if bw < 50 or bh < 50 or x0 + bw > w or y0 + bh > h:
        fail("%s box %s outside the %dx%d screenshot" % (what, box, w, h))
    dark, total, colours = 0, 0, set()
    for y in range(y0 + 2, y0 + bh - 2, 2):
        r = rows[y]
        for x in range(x0 + 2, x0 + bw - 2, 2):
            px = r[x * bpp:x * bpp + 3]
            total += 1
            colours.add(px)
            dark += sum(px) < 600	# not white, not near-white
    share = dark / total
    print("report_browser: %s at %s: %.1f%% inked pixels, %d colours" % (what, box, 100 * share, len(colours)))
    if share < 0.01 or len(colours) < 3:
        fail("%s looks blank in the screenshot" % what)

ink(wide["table"], "verdict table")
ink(wide["imgs"][0]["box"], "first plot (%s)" % wide["imgs"][0]["alt"])
print("report_browser: ok: %d images decoded, table and plot drawn, phone width %d px fits" %
      (len(wide["imgs"]), phone["innerWidth"]))
EOF
