load common
# blas_oversubscription: slowdown of P processes × T = cores threads against
# T = cores/P (same work), a line per runtime; and OpenBLAS's n sweep at P = 2.
cores = metric("omp_gomp", "cores")
bn = metric("openblas", "size")
pyover = metric("py_oversubscribed", "round.time_median")
pyfit = metric("py_loky_limit", "round.time_median")
pypass = metric("py_passive", "round.time_median")
pytpc = metric("py_threadpoolctl", "round.time_median")
pypt = metric("py_pthread", "round.time_median")
g = tab("omp_gomp", "slowdown"); l = tab("omp_llvm", "slowdown")
o = tab("openblas", "slowdown"); t = o
# x (P×T/cores) and slowdown of one runtime's rows of one kind (n < 0: any size),
# sorted by x and starting at (1, 1): T = cores/P is the reference
line(f, r, k, n) = file_ok(f) ? sprintf("< awk -F'\t' 'BEGIN {print \"x\\tslowdown\"; print \"1\\t1\"} NR > 1 && $1 == \"%s\" && $2 == \"%s\" && (%d < 0 || $6 == %d) {print $5 \"\\t\" $9}' '%s' | sort -g", r, k, n, n, f) : "/dev/null"
byn(f, r) = file_ok(f) ? sprintf("< awk -F'\t' 'BEGIN {print \"n\\tslowdown\"} NR > 1 && $1 == \"%s\" && $2 == \"over\" && $3 == 2 {print $6 \"\\t\" $9}' '%s' | sort -g", r, f) : "/dev/null"

if (file_ok(g) || file_ok(o)) {
	set output out("_slowdown")
	set title sprintf("P processes × T = %d threads each on %d cores: time / time with T = cores/P (same work)", cores, cores)
	set xlabel "threads / cores  (P × T / cores)"
	set ylabel "slowdown (median of interleaved repetitions, log)"
	set logscale y
	set logscale x 2
	set xrange [0.7:*]
	set offsets graph 0.02, graph 0.08, 0, 0
	set yrange [0.1:*]
	set key top left opaque box
	plot line(g, "libgomp", "over", -1) u 1:2 w lp lt PATHOLOGY t "libgomp (spin, default policy)", \
	     line(g, "libgomp", "passive", -1) u 1:2 w lp lt PATHOLOGY dt 2 t "libgomp, OMP_WAIT_POLICY=passive", \
	     line(l, "libomp", "over", -1) u 1:2 w lp lt EXTRA1 t "LLVM libomp (KMP_BLOCKTIME spin)", \
	     line(o, "openblas-openmp", "over", bn) u 1:2 w lp lt FIX3 t sprintf("OpenMP OpenBLAS dgemm n=%d", bn), \
	     line(o, "openblas-openmp", "passive", bn) u 1:2 w lp lt FIX3 dt 2 t "OpenMP OpenBLAS, passive", \
	     line(o, "openblas-pthread", "over", bn) u 1:2 w lp lt BASELINE t "pthread OpenBLAS (yields)", \
	     '+' u (2):(pyover / pyfit) every ::0::0 w p lt PATHOLOGY pt 13 ps 2.5 t "numpy in loky workers (OpenMP OpenBLAS)", \
	     '+' u (2):(pypass / pyfit) every ::0::0 w p lt FIX1 pt 13 ps 2 t "numpy, passive", \
	     '+' u (2):(pytpc / pyfit) every ::0::0 w p lt FIX2 pt 12 ps 2 t "numpy, threadpool_limits", \
	     '+' u (2):(pypt / pyfit) every ::0::0 w p lt BASELINE pt 13 ps 2 t "numpy, pthread OpenBLAS", \
	     1 w l lt BASELINE dt 3 t "T = cores/P (the fix)"
	unset logscale x
}

if (file_ok(o)) {
	set output out("_n")
	set title "dgemm at P = 2 processes × T = cores threads: slowdown against T = cores/P, by matrix order"
	set xlabel "n (dgemm n × n × n)"
	set logscale x 2
	set xrange [*:*]
	plot byn(o, "openblas-openmp") u 1:2 w lp lt FIX3 t "OpenMP OpenBLAS", \
	     byn(o, "openblas-pthread") u 1:2 w lp lt BASELINE t "pthread OpenBLAS", \
	     1 w l lt BASELINE dt 3 t "T = cores/P"
}
