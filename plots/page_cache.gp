# page_cache.gp — Disk vs RAM disk: the file's page cache over time (mincore
# residency and the cgroup's cache), the re-read times, and residency per step.
load common
have(f) = file_ok(f)

# phase markers of a variant (<variant>.phases.tsv: t, name) as dashed lines
awk_marks = "awk -F'\\t' '$2 != \"create\" {printf \"set arrow from %s, graph 0 to %s, graph 1 nohead lc rgb \\\"#707070\\\" dt 2 front; set label \\\"%s\\\" at %s, graph 0.97 rotate by 90 right offset 1,0 font \\\",9\\\" tc rgb \\\"#404040\\\" front; \", $1, $1, $2, $1}' "
phase_marks(v) = have(casedir."/".v.".phases.tsv") ? system(awk_marks."'".casedir."/".v.".phases.tsv'") : ""
fbytes = metric("disk", "file_bytes")

# ---- 1. timeline: residency (%) and cache charged to the variant (MiB) ----
set output out("_timeline")
set multiplot layout 2,1 title sprintf("Page cache of a %.0f MiB memmapped file: write, evict (fsync + fadvise DONTNEED), re-read half", fbytes / MiB) font ",13"
do for [v in "disk tmpfs"] {
	unset arrow; unset label
	eval phase_marks(v)
	set title (v eq "disk" ? "pathology: file on disk (/tmp, ext4) — its cache is dropped and must be read back from the device" : "fix: file on the RAM disk (/dev/shm, tmpfs) — the same eviction cannot drop it")
	set xlabel "time since the variant started (s)"
	set ylabel "page cache charged to the variant (MiB)"
	set y2label "file resident in page cache (%, mincore)"
	set yrange [0:*]
	set y2range [0:105]
	set ytics nomirror
	set y2tics 0, 20, 100
	set key top right
	if (have(tab(v, "residency"))) {
		plot tab(v, "residency") using 1:($5 / MiB) with lines lt (v eq "disk" ? PATHOLOGY : FIX1) lw 1.5 title "cgroup page cache (MiB)", \
		     ""                  using 1:($3 * 100) axes x1y2 with lines lt FIX2 lw 2.5 dt 1 title "file residency (%)"
	} else {
		set label 1 "variant did not run" at graph 0.5, 0.5 center
		plot NaN notitle
	}
}
unset multiplot
unset arrow; unset label; unset y2label; unset y2tics; set ytics mirror

# ---- 2. bars: re-read time, and residency after each step ----
set output out("_bars")
set multiplot layout 1,2 title "Re-reading half of the file after eviction: disk vs RAM disk (C and the Python original)" font ",13"
$times << EOD
EOD
set print $times
print "variant\tmedian\tmin\tlt"
# the interleaved variants' arms (one process each): C, then the Python original
do for [v in "disk tmpfs disk_warm"] {
	print sprintf("%s\t%g\t%g\t%d", v, metric("interleaved", v.".time_median"), metric("interleaved", v.".time_min"), \
		v eq "disk" ? PATHOLOGY : (v eq "disk_warm" ? BASELINE : FIX1))
}
do for [v in "disk tmpfs disk_warm"] {
	print sprintf("%s_py\t%g\t%g\t%d", v, metric("interleaved_py", v.".time_median"), metric("interleaved_py", v.".time_min"), \
		v eq "disk" ? PATHOLOGY : (v eq "disk_warm" ? BASELINE : FIX1))
}
unset print
set title "re-read of half the file (median; whisker: min; C: interleaved)"
set ylabel "seconds"
set xlabel "variant (C; _py = Python original with numpy.memmap)" noenhanced
set yrange [0:*]
set xrange [-0.6:5.6]
set boxwidth 0.6
set key top right
set xtics rotate by -20 noenhanced
plot $times using 0:2:4:xtic(1) with boxes lc variable title "memmap re-read (median)", \
     ''     using 0:2:3:2 with yerrorbars lc rgb "#202020" pt -1 lw 1.5 title "min"
set style data histogram
set style histogram clustered gap 1
set xrange [*:*]
set title "file resident in page cache (mincore)"
set ylabel "% of the file"
set yrange [0:125]
$res << EOD
EOD
set print $res
print "variant\tafter write\tafter evict\tafter re-read"
do for [v in "disk tmpfs disk_warm disk_py tmpfs_py"] {
	print sprintf("%s\t%g\t%g\t%g", v, 100 * metric(v, "resident_after_write"), 100 * metric(v, "resident_after_evict"), 100 * metric(v, "resident_after_reread"))
}
unset print
set key top right horizontal
plot $res using 2:xtic(1) lt BASELINE title columnhead(2), \
     ''   using 3 lt PATHOLOGY title columnhead(3), \
     ''   using 4 lt FIX2 title columnhead(4)
unset multiplot
