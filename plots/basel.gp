# basel.gp — where the time goes in the Basel sum (seed 002).
load common

cvars = "loop materialized broadcast chunked threads processes simd"
pyvars = "py_generator py_loop py_numpy py_broadcast py_chunked py_multiprocessing py_dask"
ctitle(v) = v eq "materialized" ? "C materialized (pathology)" : v eq "broadcast" ? "C broadcast (pathology)" : sprintf("C %s", v)
pytitle(v) = sprintf("Python %s", v[4:])
lt_of(v) = (v eq "materialized" || v eq "py_numpy") ? 1 : (v eq "broadcast" || v eq "py_broadcast") ? 7 : \
           (v eq "chunked" || v eq "py_chunked") ? 2 : (v eq "processes" || v eq "py_multiprocessing") ? 3 : \
           v eq "threads" ? 4 : v eq "simd" ? 5 : v eq "py_dask" ? 8 : 6

# 1. time against N, log-log: every style, C solid, Python dashed
set output out("_scaling")
set title "Basel sum: time against N (C solid, Python originals dashed)"
set xlabel "N (terms)"
set ylabel "time per call (s, median)"
set logscale xy
set xtics enhanced
set format x "10^{%L}"
set format y "10^{%L}"
set key outside right top
# only the variants whose tables exist in this run
cv = ""; pv = ""
do for [v in cvars] { if (file_ok(tab(v, "scaling"))) { cv = cv . " " . v } }
do for [v in pyvars] { if (file_ok(tab(v, "scaling"))) { pv = pv . " " . v } }
if (strlen(cv . pv) > 0) {
	plot for [v in cv] tab(v, "scaling") using 1:2 with linespoints lt lt_of(v) title ctitle(v), \
	     for [v in pv] tab(v, "scaling") using 1:2 with linespoints lt lt_of(v) dt 2 title pytitle(v)
}

# 2. the step table as stacked bars: where NumPy-style full arrays spend time
set output out("_steps")
unset logscale
set format x "%g"
set format y "%g"
set title sprintf("Full arrays at N = %.0e: time per step (median of the timed calls)", metric("materialized", "n"))
set ylabel "time (ms)"
set xlabel ""
set key outside right top
set xtics noenhanced
set style data histograms
set style histogram rowstacked
set boxwidth 0.6
set print $steps
print "variant\tones\tarange\tdivide\tsquare\tsum"
label(v) = v eq "materialized" ? "C ones+arange+..." : v eq "broadcast" ? "C broadcast" : \
           v eq "py_numpy" ? "numpy" : "numpy broadcast"
do for [v in "materialized broadcast py_numpy py_broadcast"] {
	print sprintf("%s\t%g\t%g\t%g\t%g\t%g", label(v), \
		1e3 * metric(v, "step.ones"), 1e3 * metric(v, "step.arange"), 1e3 * metric(v, "step.divide"), \
		1e3 * metric(v, "step.square"), 1e3 * metric(v, "step.sum"))
}
unset print
set datafile missing "NaN"
if (metric("materialized", "step.ones") == metric("materialized", "step.ones") || \
    metric("py_numpy", "step.ones") == metric("py_numpy", "step.ones")) {
plot $steps using 2:xtic(1) title "ones" lt 6, '' using 3 title "arange" lt 3, \
     '' using 4 title "divide" lt 1, '' using 5 title "square" lt 7, '' using 6 title "sum" lt 2
}
set datafile missing "-"
unset style data

# 3. the chunk-size sweep against the caches hwloc reports
set output out("_chunks")
set title "Chunked: time per term against chunk size; working set = 3 arrays x 8 B x chunk"
set xlabel "chunk size (elements)"
set ylabel "time per term (ns)"
set logscale x
set xtics enhanced
set format x "10^{%L}"
set key inside right top
L1 = metric("chunked", "cache.L1"); have_chunks = (L1 == L1); L2 = metric("chunked", "cache.L2"); L3 = metric("chunked", "cache.L3")
set arrow 1 from L1/24.0, graph 0 to L1/24.0, graph 1 nohead dt 3 lc rgb "#555555"
set arrow 2 from L2/24.0, graph 0 to L2/24.0, graph 1 nohead dt 3 lc rgb "#555555"
set arrow 3 from L3/24.0, graph 0 to L3/24.0, graph 1 nohead dt 3 lc rgb "#555555"
set label 1 sprintf("L1 %.0f KiB", L1/1024) at L1/24.0, graph 0.62 rotate left offset 1,0 font ",9"
set label 2 sprintf("L2 %.0f KiB", L2/1024) at L2/24.0, graph 0.62 rotate left offset 1,0 font ",9"
set label 3 sprintf("L3 %.0f MiB", L3/1024/1024) at L3/24.0, graph 0.62 rotate left offset 1,0 font ",9"
sw = ""
chdt(v) = v eq "chunked" ? 1 : 2
chlt(v) = v eq "py_chunked_no_mmap" ? 3 : 2
chtitle(v) = v eq "chunked" ? "C chunked" : v eq "py_chunked" ? "Python chunked (numpy)" : \
             "Python chunked, glibc mmap threshold 256 MiB"
do for [v in "chunked py_chunked py_chunked_no_mmap"] { if (file_ok(tab(v, "chunks"))) { sw = sw . " " . v } }
if (strlen(sw) > 0) {
	plot for [v in sw] tab(v, "chunks") using 1:3 with linespoints lt chlt(v) dt chdt(v) title chtitle(v)
}
unset arrow; unset label

# 4. a process pool against one core: the fixed start-up and the crossover
set output out("_crossover")
set title "Process pool (and Dask) vs one core: the fixed cost is paid back only at large N"
set xlabel "N (terms)"
set ylabel "time per call (s, median)"
set logscale xy
set format y "10^{%L}"
set key inside left top
# the small-N points (crossover table) and the sweep (scaling table) of each
xs = ""
do for [f in "chunked.crossover chunked.scaling processes.crossover processes.scaling py_chunked.scaling py_multiprocessing.scaling py_dask.scaling"] {
	if (file_ok(sprintf("%s/%s.tsv", casedir, f))) { xs = xs . " " . f }
}
xtitle(f) = f eq "chunked.scaling" ? "C chunked (1 core)" : f eq "processes.scaling" ? "C fork pool (all cores)" : \
            f eq "py_chunked.scaling" ? "Python chunked" : f eq "py_multiprocessing.scaling" ? "Python multiprocessing.Pool" : \
            f eq "py_dask.scaling" ? "Python dask.array (threads)" : ""
xlt(f) = strstrt(f, "chunked") ? 2 : strstrt(f, "dask") ? 8 : 3
xdt(f) = strstrt(f, "py_") ? 2 : 1
if (strlen(xs) > 0) {
	plot for [f in xs] sprintf("%s/%s.tsv", casedir, f) using 1:2 with linespoints lt xlt(f) dt xdt(f) \
	     title xtitle(f)
}

# 5. peak memory of the full-array styles, in arrays of 8N bytes
set output out("_memory")
unset logscale
set format x "%g"
set format y "%g"
set xtics noenhanced
set title sprintf("Peak memory over the baseline at N = %.0e, in N-element float64 arrays", metric("materialized", "n"))
set ylabel "peak / (8 N bytes)"
set xlabel ""
set yrange [0:5]
set style fill solid 0.85
set boxwidth 0.6
set key off
set print $peaks
do for [v in "materialized broadcast py_numpy py_broadcast"] {
	print sprintf("%s\t%g\t%d", label(v), metric(v, "peak_arrays"), lt_of(v))
}
unset print
set datafile missing "NaN"
if (metric("materialized", "peak_arrays") == metric("materialized", "peak_arrays") || \
    metric("py_numpy", "peak_arrays") == metric("py_numpy", "peak_arrays")) {
plot $peaks using 0:2:3:xtic(1) with boxes lc variable, \
     $peaks using 0:2:(sprintf("%.2f", $2)) with labels offset 0,1, \
     4 with lines dt 2 lc rgb "#d62728" title "4 arrays", 3 with lines dt 2 lc rgb "#ff7f0e" title "3 arrays"
}

# 6. the chunk sweep's cache misses, simulated (cachegrind), beside time per term
set output out("_misses")
set multiplot layout 1,2 title "Chunked sum: time per term (measured) beside cache misses per term (simulated (cachegrind))"
set logscale x
set xtics enhanced
set format x "10^{%L}"
set format y "%g"
set xlabel "chunk size (elements)"
set yrange [*:*]
set key inside left top
# both panels on the declared grid's range
if (file_ok(tab("chunked", "chunks"))) {
	stats tab("chunked", "chunks") using 1 nooutput
	set xrange [STATS_min / 1.5 : STATS_max * 1.5]
}
set title "measured: time per term (C chunked)"
set ylabel "time per term (ns)"
if (file_ok(tab("chunked", "chunks"))) {
	plot tab("chunked", "chunks") using 1:3 with linespoints lt 2 title "C chunked"
} else {
	set label 9 "no chunk sweep in this run" at graph 0.5, graph 0.5 center
	set xrange [100:1e7]
	set yrange [0:1]
	plot -1 notitle
	unset label 9
}
set title "simulated (cachegrind): misses per term, hwloc's cache sizes"
set ylabel "misses per term (simulated)"
set key inside right center	# misses climb from the bottom left to a plateau: the right middle is free
if (file_ok(tab("cachegrind", "misses"))) {
	plot tab("cachegrind", "misses") using 1:4 with linespoints lt 6 title "D1 (L1d) simulated", \
	     '' using 1:5 with linespoints lt 1 title "L2 as LL, simulated", \
	     '' using 1:6 with linespoints lt 3 title "L3 as LL, simulated"
} else {
	set label 9 "cachegrind skipped or not run" at graph 0.5, graph 0.5 center
	set yrange [0:1]
	plot -1 notitle
	unset label 9
}
unset multiplot
set autoscale x
