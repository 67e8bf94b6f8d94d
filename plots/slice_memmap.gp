# slice_memmap.gp — seed 000, Scenario 1: joblib's per-task dumps in /dev/shm.
#   _timeline_c   memory over time of the four C variants (the article's figures)
#   _timeline_py  the same for the Python originals (real joblib)
#   _growth       /dev/shm used vs tasks dispatched: one slice per task until the cap
#   _files        files created and /dev/shm peak / array, per variant
# `load common`, less its line 27: it redefines exists(), a built-in of gnuplot
# 5.4 ("invalid command"); this script uses its own have(f) instead.
load common
set termoption noenhanced	# variant names carry underscores
have(f) = file_ok(f)

Cv = "per_task_views reused_slices whole_array explicit_memmap"
Pv = "py_per_task_views_loky py_per_task_views_mp py_reused_slices py_whole_array py_explicit_memmap"
Cvt = "per_task_views (pathology)|reused_slices (fix)|whole_array (fix)|explicit_memmap (fix)"
Pvt = "joblib per-task views, loky (pathology)|joblib per-task views, multiprocessing (pathology)|joblib reused slices, mp (fix)|joblib whole array, loky (fix)|joblib explicit memmap, mp (fix)"
title_of(list, k) = system(sprintf("echo '%s' | cut -d'|' -f%d", list, k))

# sizes, from the run (any variant that ran reports them)
first_num(k) = real(system(sprintf("awk -F'\\t' '$2==\"%s\" {print $3; f=1; exit} END {if (!f) print \"NaN\"}' '%s'", k, metrics)))
cap = first_num("shm_size")
arr = first_num("array_bytes")
slice = first_num("slice_bytes")
# the first sampled value of column c of a timeline (system-wide baselines)
first(f, c) = real(system(sprintf("awk -F'\\t' 'NR>1 && $%d != \"-\" {print $%d; exit}' '%s'", c, c, f)))
ymax = (cap == cap ? cap : 4 * arr) * 1.12 / MiB

set xlabel "time since the variant started (s)"
set ylabel "MiB"
set xtics font ",8"
set key top left font ",8" opaque box
set yrange [0:ymax]

# the curves of a memory panel: one legend for all panels, in a panel of its own
set style line 11 lt 1 lw 5 lc rgb "#80d62728"
set style line 12 lt 7 dt 2
set style line 13 lt 3 dt 3 lw 3
set style line 14 lt 2
set style line 15 lt 6 dt 4 lw 1.5
set style line 16 lt 8 dt 4 lw 1.5
do for [side = 1:2] {
	L = side == 1 ? Cv : Pv
	T = side == 1 ? Cvt : Pvt
	n = words(L)
	set output out(side == 1 ? "_timeline_c" : "_timeline_py")
	set multiplot layout 2,3 title sprintf("%s: memory while %s (array %.0f MiB, /dev/shm cap %.0f MiB)", \
		side == 1 ? "C reproduction" : "Python original (joblib)", \
		"8 slices x 20 tasks run on 2 workers", arr / MiB, cap / MiB) font ",12"
	unset key
	do for [k = 1:n] {
		v = word(L, k)
		set title title_of(T, k) font ",10"
		if (have(tl(v))) {
			c0 = first(tl(v), 10)
			s0 = first(tl(v), 11)
			plot tl(v) using 1:($8 / MiB) with lines ls 11, \
			     '' using 1:(($11 - s0) / MiB) with lines ls 12, \
			     '' using 1:(($10 - c0) / MiB) with lines ls 13, \
			     '' using 1:($2 / MiB) with lines ls 14, \
			     cap / MiB with lines ls 15, \
			     arr / MiB with lines ls 16
		} else {
			set label 1 "not run (see report.md)" at graph 0.5, 0.5 center
			plot NaN notitle
			unset label 1
		}
	}
	# the legend panel
	unset title
	unset border
	unset tics
	unset xlabel
	unset ylabel
	set key center center font ",9" box samplen 2 width -2
	set lmargin 0
	set rmargin 0
	plot NaN with lines ls 11 title "/dev/shm used (the private tmpfs)", \
	     NaN with lines ls 12 title "system Shmem - at start (machine-wide)", \
	     NaN with lines ls 13 title "system Cached - at start (machine-wide)", \
	     NaN with lines ls 14 title "RSS of all processes of the variant", \
	     NaN with lines ls 15 title "/dev/shm cap", \
	     NaN with lines ls 16 title "1 x array"
	set border
	set tics
	unset lmargin
	unset rmargin
	set xlabel "time since the variant started (s)"
	set ylabel "MiB"
	unset multiplot
}
set key top left font ",8" opaque box

# /dev/shm used as tasks are dispatched: the variants' own tables
set output out("_growth")
set title sprintf("/dev/shm used vs task arguments serialised: a new %.0f MiB file per task until ENOSPC at the cap", slice / MiB) font ",12"
set xlabel "task arguments serialised by the dispatcher (one per task; joblib pickles an object once per batch)"
set ylabel "/dev/shm used (MiB)"
set yrange [0:ymax]
set xrange [0:*]
set key top left font ",9"
AllV = Cv . " " . Pv
LTs = "1 2 3 4 1 7 2 3 4"	# a joblib variant dashed, in the colour of its C twin
plot for [k = 1:words(AllV)] (have(tab(word(AllV, k), "dumps")) ? tab(word(AllV, k), "dumps") : "/dev/null") \
	using 6:($5 / MiB) with lines lt word(LTs, k) + 0 dt 1 + (k > 4) \
	title word(AllV, k) . (k <= 4 ? " (C)" : " (joblib)"), \
     x * slice / MiB with lines lt 6 dt 3 lw 1 title "one slice per task", \
     cap / MiB with lines lt 6 dt 4 lw 1.5 title "/dev/shm cap", \
     arr / MiB with lines lt 8 dt 4 lw 1.5 title "1 x array"

# files created and /dev/shm peak per variant
set output out("_files")
set multiplot layout 1,2 title "Files dumped and /dev/shm peak: pathology (red) vs fixes (green), C and joblib" font ",12"
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.8
set xtics rotate by -35 font ",8" nomirror
set xrange [*:*]
unset xlabel
set key top right font ",9"
rows = sprintf("awk -F'\\t' -v k=%%s 'BEGIN {print \"variant\\tvalue\"} NR==FNR {if ($2==k) val[$1]=$3; next} FNR>1 {print $1 \"\\t\" ($1 in val ? val[$1] : \"-\")}' '%s' '%s'", metrics, summary)
colour(v) = v eq "per_task_views" || v eq "py_per_task_views_loky" || v eq "py_per_task_views_mp" ? 0xd62728 : 0x2ca02c
set title "files created in /dev/shm (log scale)" font ",10"
unset key
set ylabel "files"
set logscale y
set yrange [0.5:*]
plot sprintf("< %s", sprintf(rows, "files_created")) using 0:2:(0.7):(colour(strcol(1))):xtic(1) \
	with boxes lc rgb variable notitle, \
     '' using 0:2:(sprintf("%.0f", $2)) with labels offset 0,0.7 font ",9" notitle
unset logscale y
set title "/dev/shm peak / array (the cap / array dotted)" font ",10"
set ylabel "x array"
set yrange [0:(cap == cap ? cap / arr : 4) * 1.12]
set key center right font ",9"
plot sprintf("< %s", sprintf(rows, "shm_max")) using 0:($2 / arr):(0.7):(colour(strcol(1))):xtic(1) \
	with boxes lc rgb variable notitle, \
     '' using 0:($2 / arr):(sprintf("%.2f", $2 / arr)) with labels offset 0,0.7 font ",9" notitle, \
     cap / arr with lines lt 6 dt 4 lw 1.5 title "/dev/shm cap"
unset multiplot
