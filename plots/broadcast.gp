# broadcast.gp — the n×n intermediate: peak memory and time, pathology vs fixes.
load common

n = metric("materialise", "n")
want = 8 * n * n
bars(k) = sprintf("< awk -F'\\t' 'BEGIN {print \"variant\\tvalue\"} $2==\"%s\" {print $1 \"\\t\" $3}' '%s'", k, metrics)
colour(v) = (v eq "materialise" || v eq "numpy") ? 1 : 2

set style fill solid 0.85 border rgb "#404040"
set boxwidth 0.6
set xtics noenhanced rotate by -15
unset key
floor = 64 * KiB   # bars below this (the fused O(n) peak) are drawn at it; the label keeps the value
lbl(x) = x < MiB ? sprintf("%.0f KiB", x / KiB) : x < GiB ? sprintf("%.3g MiB", x / MiB) : sprintf("%.3g GiB", x / GiB)

set output out("_peak")
set title sprintf("Peak memory above baseline, (a + b).sum() with a (n,1), b (1,n), n = %.0f", n)
set ylabel "peak RSS above baseline (bytes, log)"
set logscale y
set format y "%.0s %cB"
set arrow from graph 0, first want to graph 1, first want nohead dt 2 lc rgb "#404040"
set label sprintf("8n² = %.3g GiB", want / GiB) at graph 0.70, first want * 1.5
set yrange [floor:*]
plot bars("peak_delta_bytes") using 0:($2 > floor ? $2 : floor):(colour(stringcolumn(1))):xtic(1) with boxes lc variable notitle, \
     bars("peak_delta_bytes") using 0:($2 > floor ? $2 : floor):(lbl($2)) with labels offset 0, char 1 notitle

unset arrow; unset label
set output out("_time")
set title sprintf("Time of one (a + b).sum(), median of repetitions, n = %.0f (red: materialised n×n, green: fused / chunked)", n)
set ylabel "seconds (log)"
set format y "%g"
set yrange [*:*]
plot bars("sum.time_median") using 0:2:(colour(stringcolumn(1))):xtic(1) with boxes lc variable notitle, \
     bars("sum.time_median") using 0:2:(sprintf("%.3g s", $2)) with labels offset 0, char 1 notitle
