load common
# blas_oversubscription: aggregate dgemm GFLOP/s over P processes × T OpenBLAS threads.
grid = tab("oversubscribed", "throughput")
fit = tab("threads_fit", "throughput")
pin = tab("threads_fit_pinned", "throughput")
cores = metric("oversubscribed", "cores")

if (system(sprintf("test -s %s && echo 1 || echo 0", grid)) + 0) {
	set output out("_throughput")
	set title sprintf("Aggregate dgemm throughput, P processes × T OpenBLAS threads on %d cores (n = %d)", cores, metric("oversubscribed", "n"))
	set xlabel "BLAS threads per process T"
	set ylabel "aggregate GFLOP/s (median; bars: min–max)"
	set logscale x 2
	set xrange [0.8:*]
	set yrange [0:*]
	set key bottom right
	plot grid u ($1==1 ? $2 : NaN):4:5:6 w yerrorlines lt 3 t "P = 1 process (pathology when P×T > cores)", \
	     grid u ($1==2 ? $2 : NaN):4:5:6 w yerrorlines lt 4 t "P = 2 processes", \
	     grid u ($1==4 ? $2 : NaN):4:5:6 w yerrorlines lt 1 t "P = 4 processes", \
	     fit u 2:4 w p lt 2 ps 2.2 pt 7 t "fix: T = cores/P", \
	     pin u 2:4 w p lt 5 ps 2.2 pt 5 t "fix: T = cores/P, pinned (hwloc)"
	unset logscale x

	set output out("_csw")
	set title "Context switches and CPU efficiency per (P, T): the same work every time"
	set xlabel "P processes × T threads"
	set ylabel "context switches per configuration (log)"
	set y2label "GFLOP per CPU-second"
	set logscale y
	set yrange [*:*]
	set y2range [0:*]
	set y2tics
	set ytics nomirror
	set xtics rotate by -30
	set xrange [-0.7:*]
	set style data histograms
	set style histogram clustered gap 1
	set boxwidth 0.8 relative
	set key top left
	plot grid u ($7+$8):xtic(sprintf("%d×%d%s", $1, $2, $3 > cores ? " (over)" : "")) lt 1 t "context switches (voluntary + involuntary)", \
	     grid u 0:14 axes x1y2 w lp lt 3 t "GFLOP per CPU-second (right axis)"
}
