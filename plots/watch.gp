# watch.gp — `pitfalls watch`'s timeline: memory of the command's process tree,
# its /dev/shm and joblib files, runnable threads, page faults; every finding
# of the run drawn as a vertical line at the time it was first seen, labelled
# with its detector.  Reads <run>/watch/command.timeline.tsv and findings.tsv.
load common
tlw = sprintf("%s/command.timeline.tsv", casedir)
fnd = sprintf("%s/findings.tsv", casedir)
nf = file_ok(fnd) ? int(system(sprintf("awk 'NR>1' '%s' | wc -l", fnd))) : 0
fx(i) = real(system(sprintf("awk -F'\\t' 'NR==%d+1 {print $1}' '%s'", i, fnd)))
fl(i) = system(sprintf("awk -F'\\t' 'NR==%d+1 {print $2 \" (\" $3 \")\"}' '%s'", i, fnd))

set output out("_timeline")
set lmargin 10
set multiplot layout 3,1 title "pitfalls watch: ".system(sprintf("sed -n 's/^  \"command\": \"\\(.*\\)\",$/\\1/p' '%s/watch.json' | cut -c1-90", casedir)) noenhanced
do for [i=1:nf] {
	set arrow i from first fx(i), graph 0 to first fx(i), graph 1 nohead lc rgb "#d62728" lw 1.5 dt 2 front
	set label i fl(i) at first fx(i), graph 0.95 rotate by 90 right offset -0.8,0 textcolor rgb "#d62728" font ",9" front noenhanced
}
set ylabel "MiB"
set xlabel ""
set key top left
plot tlw using 1:($2/MiB) with lines lt FIX3 title "RSS (process tree)", \
     tlw using 1:($3/MiB) with linespoints lt FIX2 pt 7 ps 0.4 title "PSS", \
     tlw using 1:($18/MiB) with lines lt PATHOLOGY title "/dev/shm + joblib files", \
     tlw using 1:($4/MiB) with lines lt BASELINE title "memory cgroup"
unset label
set ylabel "threads"
plot tlw using 1:17 with steps lt EXTRA1 title "runnable threads", \
     tlw using 1:13 with steps lt BASELINE title "processes"
set ylabel "faults / s"
set xlabel "seconds"
set logscale y
plot tlw using 1:(($0 > 0 && $1 > t0) ? ($14 - f0) / ($1 - t0) : NaN):(t0 = $1, f0 = $14, 0) with lines lt FIX4 title "minor faults / s", \
     tlw using 1:(($0 > 0 && $1 > u0) ? ($15 - g0) / ($1 - u0) + 0.1 : NaN):(u0 = $1, g0 = $15, 0) with lines lt PATHOLOGY title "major faults / s"
unset multiplot
