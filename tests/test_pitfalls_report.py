"""test_pitfalls_report.py — the Python originals' side of the protocol:
each report line is one write of at most PIPE_BUF bytes (a long text is cut at
a UTF-8 boundary, a series split into lines of 64 values); reps() never
defaults silently; a table whose writing raises leaves no .tmp behind."""
import glob
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cases", "python"))
r, w = os.pipe()
os.environ["PITFALLS_FD"] = str(w)
import pitfalls_report as pr  # noqa: E402

failures = 0


def check(cond, what):
    global failures
    if not cond:
        print("FAIL:", what)
        failures += 1


pr.text("k", "é" * 5000)
pr.series("s", range(150), "s")
os.close(w)
lines = os.read(r, 1 << 20).split(b"\n")[:-1]
check(len(lines) == 4, f"4 lines, got {len(lines)}")
check(len(lines[0]) + 1 <= pr.PIPE_BUF, f"a line over PIPE_BUF: {len(lines[0]) + 1}")
try:
    lines[0].decode()
except UnicodeDecodeError:
    check(False, "a cut line is not valid UTF-8")
check([len(x.split(b"\t")[3].split(b",")) for x in lines[1:]] == [64, 64, 22], "series split in 64s")
check([x.split(b"\t")[0] for x in lines[1:]] == [b"R", b"R+", b"R+"],
      "a series starts with R (sent again, it replaces) and continues with R+")

# reps(): explicit, never a silent default
os.environ.pop("PITFALLS_REPS", None)
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
    pr._FD = -1
    pr.reps()
    os._exit(0)
_, st = os.waitpid(pid, 0)
check(os.WIFEXITED(st) and os.WEXITSTATUS(st) == 1, "reps() without PITFALLS_REPS fails")
os.environ["PITFALLS_REPS"] = "7"
check(pr.reps() == 7, "reps() reads PITFALLS_REPS")


class Boom:
    def __str__(self):
        raise RuntimeError("boom")


pr._FD = -1
with tempfile.TemporaryDirectory() as d:
    os.environ["PITFALLS_OUTDIR"] = d
    try:
        pr.table("t", ["a"], [[1], [Boom()]])
        check(False, "table() did not raise")
    except RuntimeError:
        pass
    check(glob.glob(os.path.join(d, "*")) == [], f"left behind: {os.listdir(d)}")
# rounds(): sequential blocks, the harness judging between them (`pitfalls
# undecided`, given as this test's argument): a clear effect stops at the
# first block, one straddling its bound runs every block, smoke one block
if len(sys.argv) > 1:
    os.environ.update(PITFALLS_BIN=sys.argv[1], PITFALLS_CASE="page_cache", PITFALLS_VARIANT="interleaved_py")

    def run(ratio_of, scale):
        os.environ["PITFALLS_SCALE"] = scale
        times = {"disk": [], "tmpfs": [], "disk_warm": []}
        for r in pr.rounds(times, 10, 3):
            times["tmpfs"].append(0.10)
            times["disk_warm"].append(0.05)
            times["disk"].append(0.10 * ratio_of(r))
        return len(times["disk"])

    check(run(lambda r: 2.0, "quick") == 10, "a 2x effect: one block of 10")
    n = run(lambda r: 1.05 if r % 2 else 1.6, "quick")
    check(n == 30, f"an effect straddling 1.3: three blocks, got {n}")
    check(run(lambda r: 1.05 if r % 2 else 1.6, "smoke") == 10, "smoke: one block")
    check(pr._looks[0] == 1, "a plain loop plans one look")
    # a block too short to reach p < 0.01 / 3 is lengthened as the harness
    # lengthens its own (pitfalls undecided --min-block: 10 rounds at 3 looks)
    os.environ["PITFALLS_SCALE"] = "quick"
    times = {"disk": [], "tmpfs": [], "disk_warm": []}
    for r in pr.rounds(times, 4, 3):
        times["tmpfs"].append(0.10)
        times["disk_warm"].append(0.05)
        times["disk"].append(0.20)
    check(len(times["disk"]) == 10, f"a 4-round block at 3 looks: 10 rounds, got {len(times['disk'])}")
print(f"{failures} failed")
sys.exit(1 if failures else 0)
