# fork_deadlock.gp — how many children hung, per way of starting them (bars),
# and what a process start costs: fork vs fork+exec vs posix_spawn (C), and
# multiprocessing's fork vs spawn start methods (Python).
load common

variants = "fork_mutex pool_lock py_fork malloc_fork fork_mutex_atfork spawn pool_lock_atfork py_spawn"
array labels[8] = ["fork, mutex held\n(pathology)", "fork, pool lock\nhammered (pathology)", \
	"Python 'fork'\n(pathology)", "fork, glibc malloc\nhammered (baseline)", "fork + atfork\n(fix)", \
	"posix_spawn\n(fix)", "pool + atfork\n(fix)", "Python 'spawn'\n(fix)"]
colour(i) = i <= 3 ? PATHOLOGY : (i == 4 ? BASELINE : (i <= 7 ? FIX1 : FIX2))

$d << EOD
EOD
set print $d
do for [i = 1:words(variants)] {
	v = word(variants, i)
	print sprintf("%d\t%s\t%g\t%g", i, v, 100 * metric(v, "hung_share"), metric(v, "trials"))
}
unset print
harness_outcome = system(sprintf("awk -F'\\t' '$1==\"fork_mutex_harness\" {print $4}' '%s'", summary))

set key noautotitle
unset key
set boxwidth 0.6
set xrange [0.4:words(variants) + 0.6]
set xtics () font ",9"
do for [i = 1:words(variants)] { set xtics add (labels[i] i) }
set bmargin 5

set output out("_hangs")
set title sprintf("Children that never exited (blocked on a lock copied in its held state); harness-timeout variant: %s", harness_outcome)
set ylabel "children hung (% of starts)"
set yrange [0:115]
plot $d using 1:3:(colour($1)) with boxes lc variable notitle, \
     $d using 1:3:(sprintf("%.0f%% of %.0f", $3, $4)) with labels offset 0,0.8 font ",10" notitle

# start-up: C (small and big parent) and Python, milliseconds per start to exit
$s << EOD
EOD
set print $s
print sprintf("1\tfork\t%g\t%g", 1e3 * metric("startup", "fork.time_median"), 1e3 * metric("startup", "fork_big.time_median"))
print sprintf("2\tfork+exec\t%g\tNaN", 1e3 * metric("startup", "fork_exec.time_median"))
print sprintf("3\tspawn\t%g\t%g", 1e3 * metric("startup", "spawn.time_median"), 1e3 * metric("startup", "spawn_big.time_median"))
print sprintf("4\tspawn_true\t%g\tNaN", 1e3 * metric("startup", "spawn_true.time_median"))
# Python: both start methods timed in the spawn variant, repetitions interleaved
print sprintf("5\tpy_fork\t%g\tNaN", 1e3 * metric("py_spawn", "fork.time_median"))
print sprintf("6\tpy_spawn\t%g\tNaN", 1e3 * metric("py_spawn", "spawn.time_median"))
unset print
big = metric("startup", "parent_rss_big") / MiB

set output out("_startup")
set title "Start-up cost: start a child, wait for its exit (median; log scale)"
set ylabel "milliseconds per process start (log)"
set logscale y
set yrange [*:*]
set xrange [0.4:6.6]
set xtics () font ",10"
set xtics add ("C fork()" 1, "C fork + exec\nthis program" 2, "C posix_spawn\nthis program" 3, \
	"C posix_spawn\n/bin/true" 4, "Python\nmp 'fork'" 5, "Python\nmp 'spawn'" 6)
set key top left autotitle
set boxwidth 0.35
plot $s using ($1 - 0.18):3:($1 == 1 || $1 == 5 ? PATHOLOGY : FIX1) with boxes lc variable notitle, \
     $s using ($1 - 0.18):3:(sprintf("%.2f", $3)) with labels offset 0,0.8 font ",10" notitle, \
     $s using ($1 + 0.18):4 with boxes lc rgb "#7f7f7f" title sprintf("parent with %.0f MiB resident", big), \
     $s using ($1 + 0.18):4:(sprintf("%.2f", $4)) with labels offset 0,0.8 font ",10" notitle, \
     NaN with boxes lc rgb "#d62728" title "fork (small parent)", \
     NaN with boxes lc rgb "#2ca02c" title "fresh process (small parent)"
