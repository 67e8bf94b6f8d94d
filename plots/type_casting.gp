# type_casting.gp — a float32 running sum of ones stalls at 2^24; the fixes do not.
load common
have(f) = file_ok(f)

set output out("_running_sum")
set title "Running sum of N ones, as a fraction of N: float32 stalls at 2^{24} = 16777216, the fixes stay at 1"
set xlabel "terms summed N"
set ylabel "running sum / N"
set logscale x
set format x "10^{%T}"
set yrange [0:1.15]
set key bottom left
stall = 2**24
set arrow from first stall, graph 0 to first stall, graph 1 nohead dt 3 lc rgb "#606060"
set xrange [1e3:*]
set label "N = 2^{24} = 16777216" at first stall/1.1, graph 0.95 right textcolor rgb "#404040"
plot \
  (have(tab("float32", "running")) ? tab("float32", "running") : "/dev/null") using 1:($2/$3) with lines lt PATHOLOGY title "float32 running sum (C) — pathology", \
  (have(tab("numpy", "running")) ? tab("numpy", "running") : "/dev/null") using 1:($2/$3) with points lt PATHOLOGY pt 6 ps 1.1 title "np.add.accumulate, float32 (Python original)", \
  (have(tab("float64", "running")) ? tab("float64", "running") : "/dev/null") using 1:($2/$3) with lines lt FIX1 title "float64 running sum (C) — fix", \
  (have(tab("kahan", "running")) ? tab("kahan", "running") : "/dev/null") using 1:($2/$3) with lines lt FIX2 dt 2 title "Kahan, float32 (C) — fix", \
  (have(tab("numpy_fixed", "running")) ? tab("numpy_fixed", "running") : "/dev/null") using 1:($2/$3) with points lt FIX1 pt 4 ps 1.1 title "np.add.accumulate, float64 (Python fix)"

# final values, wrong vs fixed, as a bar chart of the sum error
unset arrow; unset label
set output out("_sum_error")
set title "Sum of N ones: error of the final value (sum - N), per variant"
unset logscale
set xrange [*:*]
set yrange [*:*]
set offsets 0, 0, graph 0.1, graph 0.05
set xtics noenhanced
set format x "%g"; set format y "%.3s%c"
set xlabel ""
set ylabel "sum - N"
set style fill solid 0.85 border rgb "#404040"
set boxwidth 0.6
set xtics rotate by -20
set key off
set yrange [*:*]
errs = sprintf("< awk -F'\\t' '$2==\"sum.error\" {print $1 \"\\t\" $3}' '%s'", metrics)
set key noautotitle
unset key
plot errs using 0:2:(($2 < 0) ? 1 : 2):xtic(1) with boxes lc variable notitle, \
     errs using 0:2:(sprintf("%.0f", $2)) with labels offset 0,char 1 notitle
