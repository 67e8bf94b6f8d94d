# allocator_madvise.gp — page faults, kernel share and copy throughput of the
# same alloc/memcpy/free loop under each allocator (bars), and where the faults
# happened (malloc, memcpy or free).
load common

variants = "jemalloc_eager jemalloc_default glibc_mmap glibc jemalloc_decay"
array labels[5] = ["jemalloc eager\n(decay 0, pathology)", "jemalloc defaults\n(pathology)", \
	"glibc, fixed mmap\nthreshold (contrast)", "glibc\n(fix)", "jemalloc, sane\ndecay (fix)"]
colour(i) = i <= 2 ? PATHOLOGY : (i == 3 ? BASELINE : (i == 4 ? FIX1 : FIX2))

# one row per variant, every number from metrics.tsv
$d << EOD
EOD
set print $d
do for [i = 1:words(variants)] {
	v = word(variants, i)
	print sprintf("%d\t%s\t%g\t%g\t%g\t%g\t%g\t%g\t%g", i, v, metric(v, "faults_per_gib"), \
		100 * metric(v, "sys_share"), metric(v, "throughput"), metric(v, "madvise_dontneed_per_buffer"), \
		metric(v, "munmap_calls_per_buffer"), metric(v, "faults_in_memcpy_per_gib"), \
		metric(v, "faults_in_free_per_gib") + metric(v, "faults_in_malloc_per_gib"))
}
unset print
set datafile separator "\t"
set key noautotitle
unset key
set style fill solid 0.85 border rgb "#404040"
set boxwidth 0.6
set xrange [0.4:words(variants) + 0.6]
set xtics () font ",10"
do for [i = 1:words(variants)] { set xtics add (labels[i] i) }
set bmargin 5

set output out("_faults")
set title "Minor page faults per GiB copied (16 MiB buffers: allocate, memcpy, free), steady state"
set ylabel "minor faults per GiB copied (log)"
set logscale y
set yrange [0.5:*]
plot $d using 1:($3 < 0.5 ? 0.5 : $3):(colour($1)) with boxes lc variable, \
     $d using 1:($3 < 0.5 ? 0.5 : $3):(sprintf("%.0f", $3)) with labels offset 0,0.8 font ",10"
unset logscale y

set output out("_sys_share")
set title sprintf("Kernel (system) time share of the loop's CPU; the article: %d%% of CPU in page faults", 10)
set ylabel "system time / (user + system) (%)"
set yrange [0:100]
set arrow 1 from graph 0, first 10 to graph 1, first 10 nohead lc rgb "#555555" dt 2 lw 2
set label 1 "article: 10% of CPU in page faults" at graph 0.70, first 14 font ",10" front
plot $d using 1:4:(colour($1)) with boxes lc variable, \
     $d using 1:4:(sprintf("%.0f%%", $4)) with labels offset 0,0.8 font ",10"
unset arrow 1; unset label 1

set output out("_throughput")
set title "memcpy throughput of the loop (median of timed runs), higher is better"
set ylabel "GiB copied per second"
set yrange [0:*]
plot $d using 1:5:(colour($1)) with boxes lc variable, \
     $d using 1:5:(sprintf("%.2f", $5)) with labels offset 0,0.8 font ",10"

set output out("_where")
set title "Where the faults happen, and the syscalls that caused them (per 16 MiB buffer)"
set ylabel "minor faults per GiB copied (log)"
set y2label "madvise(MADV_DONTNEED) / munmap calls per buffer"
set logscale y
set yrange [0.5:*]
set y2range [0:1.5]
set y2tics
set ytics nomirror
set key top right autotitle
set boxwidth 0.25
plot $d using ($1 - 0.3):($8 < 0.5 ? 0.5 : $8) with boxes lc rgb "#d62728" title "faults inside memcpy", \
     $d using ($1 - 0.05):($9 < 0.5 ? 0.5 : $9) with boxes lc rgb "#ff9896" title "faults inside malloc + free", \
     $d using ($1 + 0.2):6 axes x1y2 with boxes lc rgb "#1f77b4" title "MADV_DONTNEED calls per buffer", \
     $d using ($1 + 0.45):7 axes x1y2 with boxes lc rgb "#9edae5" title "munmap calls per buffer"
unset y2label; unset y2tics; set ytics mirror

# the flame graph's figure: share of CPU samples under page-fault handling and
# under madvise (from the call stacks) in the variant's last phase, the copy
# loop the claims judge (results from before the phase count: the whole run),
# beside the system-time share; C and the Python original (NumPy).  The flame
# graphs themselves (the whole run): <case>_flames.svg
loop_share(v, k) = (ls_x = metric(v, "profile_phase_" . k), ls_x == ls_x ? ls_x : metric(v, "profile_" . k))
tv = "jemalloc_eager glibc jemalloc_decay py_jemalloc_eager py_glibc py_jemalloc_decay"
$t << EOD
EOD
set print $t
do for [i = 1:words(tv)] {
	v = word(tv, i)
	print sprintf("%d\t%s\t%g\t%g\t%g", i, v, 100 * metric(v, "sys_share"), \
		100 * loop_share(v, "fault_share"), 100 * loop_share(v, "madvise_share"))
}
unset print
set output out("_tower")
ls_y = metric("jemalloc_eager", "profile_phase_fault_share")
set title sprintf("Where the CPU goes %s: samples under page faults / madvise (call stacks, cpu-clock 999 Hz) vs system time", \
	ls_y == ls_y ? "in the copy loop" : "(the whole run)")
set ylabel "share of the variant's CPU (%)"
unset logscale y
set yrange [0:105]
set xrange [0.4:words(tv) + 0.6]
set xtics () font ",10"
set xtics add ("C: jemalloc eager\n(pathology)" 1, "C: glibc\n(fix)" 2, "C: jemalloc sane\ndecay (fix)" 3, \
	"NumPy: jemalloc\neager (pathology)" 4, "NumPy: glibc\n(fix)" 5, "NumPy: jemalloc\nsane decay (fix)" 6)
set arrow 2 from graph 0, first 10 to graph 1, first 10 nohead lc rgb "#555555" dt 2 lw 2
set label 2 "article: 10% in page faults" at graph 0.19, first 13 font ",10" front
set key top right autotitle
set boxwidth 0.25
plot $t using ($1 - 0.27):3 with boxes lc rgb "#7f7f7f" title "system time share", \
     $t using 1:4 with boxes lc rgb "#ff7f0e" title "samples under page-fault handling", \
     $t using ($1 + 0.27):5 with boxes lc rgb "#1f77b4" title "samples under madvise", \
     $t using 1:4:(sprintf("%.1f%%", $4)) with labels offset 0,0.8 font ",9" notitle
