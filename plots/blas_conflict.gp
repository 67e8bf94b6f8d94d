load common
# blas_conflict: threads that work in each library's dgemm under each library's knob.
set output out("_threads")
set title "Threads working in each library's dgemm (OpenBLAS then BLIS in one process)"
set ylabel "threads that did a share of the dgemm"
set style data histograms
set style histogram clustered gap 1
set boxwidth 0.9 relative
set yrange [0:*]
set xtics noenhanced
set ytics 1
set key top left
$d << EOD
knob	openblas	blis
EOD
set print $d append
print sprintf("openblas_set_num_threads(1)\t%g\t%g", metric("openblas_then_blis", "threads.openblas.openblas_knob_1"), metric("openblas_then_blis", "threads.blis.openblas_knob_1"))
print sprintf("openblas_set_num_threads(cores)\t%g\t%g", metric("openblas_then_blis", "threads.openblas.openblas_knob_cores"), metric("openblas_then_blis", "threads.blis.openblas_knob_cores"))
print sprintf("bli_thread_set_num_threads(1)\t%g\t%g", metric("openblas_then_blis", "threads.openblas.blis_knob_1"), metric("openblas_then_blis", "threads.blis.blis_knob_1"))
print sprintf("bli_thread_set_num_threads(cores)\t%g\t%g", metric("openblas_then_blis", "threads.openblas.blis_knob_cores"), metric("openblas_then_blis", "threads.blis.blis_knob_cores"))
unset print
plot $d u 2:xtic(1) lt 3 t "OpenBLAS dgemm_", '' u 3 lt 4 t "BLIS dgemm_"

set output out("_diff")
set title "Max relative difference of C = A·B between two BLAS in one process (same inputs)"
set ylabel "max |C_1 - C_2| / max |C_1|   (0 = bitwise equal)"
set logscale y
set ytics auto
set yrange [1e-18:1e-12]
set key off
$r << EOD
pair	diff
EOD
set print $r append
z(x) = x > 0 ? x : 1e-17
print sprintf("OpenBLAS vs BLIS\t%g", z(metric("openblas_then_blis", "max_rel_diff")))
print sprintf("OpenBLAS vs reference\t%g", z(metric("openblas_then_reference", "max_rel_diff")))
print sprintf("OpenBLAS, 1 vs cores threads\t%g", z(metric("one_blas", "max_rel_diff_threads")))
unset print
set style histogram clustered
set label 1 "bars at 1e-17 are bitwise equal (0)" at graph 0.02, graph 0.93
plot $r u 2:xtic(1) lt 1 t "max relative difference"
