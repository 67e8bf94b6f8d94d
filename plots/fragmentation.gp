# fragmentation.gp — RSS against live bytes over the create/delete cycles.
load common
have(f) = file_ok(f)
steps(v) = have(tab(v, "steps")) ? tab(v, "steps") : "/dev/null"

set output out("_ratio")
set title "RSS / live bytes after every allocation and free (live = baseline + arrays held + small allocations)"
set xlabel "step (each array allocated, and each cycle's frees)"
set ylabel "RSS / live bytes (log)"
set logscale y
set yrange [0.5:*]
set key top left
plot steps("fresh") using 1:7 with lines lt PATHOLOGY title "fresh arrays (C) — pathology", \
     steps("numpy") using 1:7 with lines lt PATHOLOGY dt 2 title "np.ones / del (Python original)", \
     steps("reuse") using 1:7 with lines lt FIX1 title "reused out= buffers (C) — fix", \
     steps("numpy_out") using 1:7 with lines lt FIX1 dt 2 title "np.add(a, 1, out=a) (Python fix)", \
     steps("malloc_trim") using 1:7 with lines lt FIX2 title "malloc_trim(0) per cycle (C) — fix", \
     steps("mmap_threshold") using 1:7 with lines lt FIX3 title "M_MMAP_THRESHOLD fixed at 128 KiB (C) — fix"

set output out("_rss")
set title "RSS and live bytes over the cycles: fresh allocations keep freed arrays resident"
set ylabel "MiB"
unset logscale y
set yrange [0:*]
plot steps("fresh") using 1:($6/MiB) with lines lt PATHOLOGY title "RSS, fresh (C)", \
     steps("mmap_threshold") using 1:($6/MiB) with lines lt FIX3 title "RSS, fixed mmap threshold (C)", \
     steps("malloc_trim") using 1:($6/MiB) with lines lt FIX2 lw 1.5 title "RSS, malloc_trim (C)", \
     steps("reuse") using 1:($6/MiB) with lines lt FIX1 title "RSS, reused buffers (C)", \
     steps("reuse") using 1:($5/MiB) with lines lt FIX1 dt 3 lw 1.5 title "held, reused buffers (C)", \
     steps("fresh") using 1:($5/MiB) with lines dt 2 lw 2 lc rgb "#000000" title "live, fresh / trim / threshold (C)"

set output out("_heap")
set title "glibc's view (mallinfo2), fresh allocations: heap (brk) arena vs mmapped bytes"
set ylabel "MiB"
plot steps("fresh") using 1:($8/MiB) with lines lt PATHOLOGY title "arena (brk heap), fresh", \
     steps("fresh") using 1:($10/MiB) with lines lt EXTRA1 title "fordblks (free inside the heap), fresh", \
     steps("fresh") using 1:($9/MiB) with lines lt BASELINE title "hblkhd (mmapped), fresh", \
     steps("mmap_threshold") using 1:($9/MiB) with lines lt FIX3 dt 2 title "hblkhd (mmapped), fixed threshold"
