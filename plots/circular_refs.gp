# circular_refs.gp — memory of per-task reference cycles: over time (Python
# originals), per task (held arrays), and the C model of the generational GC.
load common
have(f) = file_ok(f)

limit = metric("py_threading", "mem_limit")
lim_label = sprintf("memory cgroup limit %.0f MiB", limit / MiB)

# 1. the cgroup's memory over time, Python originals
set output out("_timeline")
set title "Scenario 2: per-task cycles holding a copy of the array — memory cgroup usage over time"
set xlabel "time since the variant started (s)"
set ylabel "cgroup memory usage (MiB; RSS where there is no memory cgroup)"
set key top right
set yrange [0:*]
set offsets 0, 0, graph 0.25, 0
plot \
	(have(tl("py_threading")) ? tl("py_threading") : "/dev/null") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt PATHOLOGY \
		title "py_threading (pathology: no gc, ".system("awk -F'\\t' '$1==\"py_threading\"{print $4}' ".summary).")", \
	(have(tl("py_threading_gc")) ? tl("py_threading_gc") : "/dev/null") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt FIX1 \
		title "py_threading_gc (fix: gc.collect() per task)", \
	(have(tl("py_loky")) ? tl("py_loky") : "/dev/null") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt FIX2 \
		title "py_loky (collects when a worker grew > 300 MB)", \
	limit / MiB with lines lt BASELINE dt 2 title lim_label

# 2. arrays held by cycles after each task, Python originals
set output out("_held")
set title "Arrays held alive by reference cycles after each task (Python originals, joblib 1.2)"
set xlabel "task"
set ylabel "bytes held by cycles (MiB; loky: per worker)"
set key top left
set offsets 0, 0, graph 0.2, 0
plot \
	(have(tab("py_threading", "tasks")) ? tab("py_threading", "tasks") : "/dev/null") using 1:($5/MiB) \
		with points lt PATHOLOGY title "py_threading (pathology)", \
	(have(tab("py_threading_gc", "tasks")) ? tab("py_threading_gc", "tasks") : "/dev/null") using 1:($5/MiB) \
		with points lt FIX1 title "py_threading_gc (fix)", \
	(have(tab("py_loky", "tasks")) ? tab("py_loky", "tasks") : "/dev/null") using 1:($5/MiB) \
		with points lt FIX2 title "py_loky (each worker)", \
	300e6 / MiB with lines lt BASELINE dt 2 title "loky _MAX_MEMORY_LEAK_SIZE = 3e8 B"

# 3. the C model: held bytes per task, collections by allocation count
set output out("_model")
set title sprintf("C model: generation-0 threshold %.0f allocations, blind to the %.0f MiB each cycle holds", \
	metric("model_cycles", "gc_threshold0"), metric("model_cycles", "array_bytes") / MiB)
set xlabel "task"
set ylabel "bytes held by live objects (MiB)"
set key top left
set offsets 0, 0, graph 0.3, 0
plot \
	(have(tab("model_cycles", "tasks")) ? tab("model_cycles", "tasks") : "/dev/null") using 1:($3/MiB) \
		with lines lt PATHOLOGY title "model_cycles (pathology: collected when the count passes the threshold)", \
	(have(tab("model_collect_per_task", "tasks")) ? tab("model_collect_per_task", "tasks") : "/dev/null") using 1:($3/MiB) \
		with lines lt FIX1 title "model_collect_per_task (fix: gc.collect() per task)", \
	(have(tab("model_weakref", "tasks")) ? tab("model_weakref", "tasks") : "/dev/null") using 1:($3/MiB) \
		with lines lt FIX2 dt 2 title "model_weakref (fix: weak back edge, refcounting frees)", \
	(have(tab("model_cycles", "tasks")) ? tab("model_cycles", "tasks") : "/dev/null") using 1:($6/MiB) \
		with lines lt EXTRA1 lw 1 title "model_cycles process RSS"

# 4. the article's program on the real XGBoost: cgroup memory over time
xlimit = metric("py_xgb_threading", "mem_limit")
set output out("_xgboost")
set title "XGBoost QuantileDMatrix per task (its internal cycle holds new_data) — memory cgroup usage over time" noenhanced
set xlabel "time since the variant started (s)"
set ylabel "cgroup memory usage (MiB; RSS where there is no memory cgroup)"
set key top right
set yrange [0:*]
set offsets 0, 0, graph 0.3, 0
plot \
	(have(tl("py_xgb_threading")) ? tl("py_xgb_threading") : "/dev/null") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt PATHOLOGY \
		title "py_xgb_threading (pathology: no gc)", \
	(have(tl("py_xgb_threading_gc")) ? tl("py_xgb_threading_gc") : "/dev/null") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt FIX1 \
		title "py_xgb_threading_gc (fix: gc.collect() per task)", \
	(have(tl("py_xgb_multiprocessing")) ? tl("py_xgb_multiprocessing") : "/dev/null") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt EXTRA1 \
		title "py_xgb_multiprocessing (same limit; the article saw it hang)", \
	(have(tl("py_xgb_loky")) ? tl("py_xgb_loky") : "/dev/null") using 1:((valid(4) ? $4 : $2)/MiB) with lines lt FIX2 \
		title "py_xgb_loky (under mem_limit)", \
	(xlimit > 0 ? xlimit / MiB : 1/0) with lines lt BASELINE dt 2 title sprintf("xgb_mem_limit %.0f MiB", xlimit / MiB)
