# cow_refcount.gp — copy-on-write in forked readers: memory over time, and the
# fraction of the objects' pages each child copied after collecting / reading.
load common
have(f) = file_ok(f)

# 1. the variant's memory cgroup over time: the children's private copies
set output out("_timeline")
set title sprintf("Forked readers of %.0f MiB of objects (%.0f children): memory cgroup usage over time", \
	metric("inline_refcount", "objects_bytes") / MiB, metric("inline_refcount", "children"))
set xlabel "time since the variant started (s)"
set ylabel "cgroup memory usage (MiB; RSS where there is no memory cgroup)"
set key top left
set yrange [0:*]
set offsets 0, 0, graph 0.2, 0
f(v) = have(tl(v)) ? tl(v) : 1/0
plot \
	f("inline_refcount") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt PATHOLOGY title "inline_refcount (pathology: refcount + GC header in the object)", \
	f("gc_freeze") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt FIX1 dt 2 title "gc_freeze (collector skips them; refcounts inline)", \
	f("side_refcount") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt FIX2 title "side_refcount (fix: counts outside the objects' pages)", \
	f("immortal") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt FIX3 title "immortal (fix: immortal + frozen, no writes)", \
	f("py_fork") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt EXTRA1 title "py_fork (Python 3.11, workers collect + iterate)", \
	f("py_gc_freeze") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt EXTRA2 dt 2 title "py_gc_freeze (Python, gc.freeze() before fork)"

# 2. per child: fraction of the objects' pages privately copied, by phase
set output out("_copied")
variants = "inline_refcount gc_freeze side_refcount immortal py_fork py_gc_freeze"
set print $bars
print "variant\tafter gc.collect\tafter reading every object"
do for [i = 1:words(variants)] {
	v = word(variants, i)
	print sprintf("%s\t%.2f\t%.2f", v, metric(v, "frac_copied_collect") * 100, metric(v, "frac_copied_read") * 100)
}
set print
set title "Share of the objects' pages each forked child copied (Private\\_Dirty growth after fork, smaps)"
set ylabel "objects' bytes privately copied per child (%)"
set xlabel ""
set yrange [0:125]
set offsets 0, 0, 0, 0
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9
set key top right
set xtics noenhanced
plot $bars using 2:xtic(1) lt EXTRA1, '' using 3 lt PATHOLOGY, \
	'' using 0:($2 + 3):(sprintf("%.0f%%", $2)) with labels offset -2.2, 0 notitle, \
	'' using 0:($3 + 3):(sprintf("%.0f%%", $3)) with labels offset 2.2, 0 notitle
