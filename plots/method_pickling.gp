# method_pickling.gp — bytes serialised and time per task against the size of
# the object's attribute: bound method (pathology) vs plain function (fix).
load common
have(f) = file_ok(f)

args = metric("method", "args_bytes")
ntasks = metric("method", "tasks")
set output out("_sweep")
set multiplot layout 1,2 title sprintf("Tasks sent to 2 worker processes: delayed(self.parallel_f)(data, i) vs delayed(parallel_f)(data, i)  (data = %.0f KiB, %.0f tasks)", args / KiB, ntasks) font ",12" noenhanced
set logscale xy 2
set xtics 1024, 8
set format x "%.0b %BB"
set format y "%.0b %BB"
set ytics 1024, 8
set yrange [1024:*]
set xlabel "size of the object's large attribute"
set ylabel "bytes serialised per task"
set title "bytes per task (C: written to the pipe; Python: pickle.dumps of the task)"
set key bottom right font ",9"
plot (have(tab("method", "sweep")) ? tab("method", "sweep") : NaN) using 1:2 with linespoints lt PATHOLOGY title "method form (C)", \
     (have(tab("method_py", "sweep")) ? tab("method_py", "sweep") : NaN) using 1:2 with linespoints lt PATHOLOGY dt 2 pt 6 title "method form (Python, pickle)", \
     (have(tab("method_py", "sweep")) ? tab("method_py", "sweep") : NaN) using 1:6 with points lt EXTRA1 pt 8 ps 1.2 title "method form (Python, bytes through the pool's pipe)", \
     (have(tab("function", "sweep")) ? tab("function", "sweep") : NaN) using 1:2 with linespoints lt FIX1 title "function form (C)", \
     (have(tab("function_py", "sweep")) ? tab("function_py", "sweep") : NaN) using 1:2 with linespoints lt FIX1 dt 2 pt 4 title "function form (Python, pickle)", \
     x with lines lc rgb "#a0a0a0" dt 3 lw 1 title "y = attribute size"
set title "time per task (median of repetitions / tasks)"
set ylabel "seconds per task"
set logscale y 10
set ytics autofreq
set yrange [*:*]
set format y "%.0s %cs"
set key top left
plot (have(tab("method", "sweep")) ? tab("method", "sweep") : NaN) using 1:3 with linespoints lt PATHOLOGY title "method form (C)", \
     (have(tab("method_py", "sweep")) ? tab("method_py", "sweep") : NaN) using 1:3 with linespoints lt PATHOLOGY dt 2 pt 6 title "method form (Python, joblib)", \
     (have(tab("function", "sweep")) ? tab("function", "sweep") : NaN) using 1:3 with linespoints lt FIX1 title "function form (C)", \
     (have(tab("function_py", "sweep")) ? tab("function_py", "sweep") : NaN) using 1:3 with linespoints lt FIX1 dt 2 pt 4 title "function form (Python, joblib)"
unset multiplot
