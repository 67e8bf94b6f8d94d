# common.gp — one style for every plot of the suite.
#
# The harness runs gnuplot in <run>/<case> (no path is ever spliced into a
# command: a quote in --out cannot break or inject one) with:
#   casedir='.'  outbase='../plots/<tmp>/<case>'  term='png'|'svg'  common='common.gp'
# (common.gp found through GNUPLOT_LIB), and a case script begins with
# `load common`, then for each figure:
#   set output out("_timeline")     # → <run>/plots/<case>_timeline.png|svg
# (drawn in a temporary directory, renamed into plots/ once checked non-empty)
#
# Files a case script reads (all written from the run's results):
#   casedir/summary.tsv   one row per variant: variant role kind outcome wall_s user_s sys_s
#                         peak_rss peak_pss peak_cg peak_shm page_faults_minor page_faults_major
#                         context_switches cpu_migrations   ("-" = not measured/unsupported)
#   casedir/metrics.tsv   long form: variant key value unit (every number of every variant)
#   casedir/<variant>.timeline.tsv   t rss pss cg_usage cg_anon cg_file cg_shmem shm_used
#                         mem_available cached shmem dirty nprocs phase   (bytes, seconds)
#   casedir/<variant>.<table>.tsv    the case's own tables (pf_table_open)

if (term eq "svg") {
	set terminal svg size 1100,650 dynamic enhanced font "DejaVu Sans,13" background rgb "white"
} else {
	set terminal pngcairo size 1100,650 enhanced font "DejaVu Sans,11" background rgb "white"
}
out(s) = sprintf("%s%s.%s", outbase, s, term)
tl(v) = sprintf("%s/%s.timeline.tsv", casedir, v)
tab(v, t) = sprintf("%s/%s.%s.tsv", casedir, v, t)
summary = sprintf("%s/summary.tsv", casedir)
metrics = sprintf("%s/metrics.tsv", casedir)
file_ok(f) = system(sprintf("test -s '%s' && echo 1 || echo 0", f)) + 0

set datafile separator "\t"
set datafile missing "-"
set key autotitle columnhead
set grid lc rgb "#d0d0d0" lw 1
set key top left opaque box lc rgb "#a0a0a0" noenhanced
set xtics noenhanced
set border lc rgb "#404040"
set tics textcolor rgb "#202020"
set style fill solid 0.85 border rgb "#404040"

# Roles have colours: pathology red, fixes green/blue/purple/teal, baseline grey,
# Python originals dashed in the colour of the C variant they mirror.
set linetype 1 lc rgb "#d62728" lw 2.5 pt 7 ps 0.8
set linetype 2 lc rgb "#2ca02c" lw 2.5 pt 5 ps 0.8
set linetype 3 lc rgb "#1f77b4" lw 2.5 pt 9 ps 0.8
set linetype 4 lc rgb "#9467bd" lw 2.5 pt 11 ps 0.8
set linetype 5 lc rgb "#17becf" lw 2.5 pt 13 ps 0.8
set linetype 6 lc rgb "#7f7f7f" lw 2.5 pt 3 ps 0.8
set linetype 7 lc rgb "#ff7f0e" lw 2.5 pt 6 ps 0.8
set linetype 8 lc rgb "#8c564b" lw 2.5 pt 4 ps 0.8
PATHOLOGY = 1; FIX1 = 2; FIX2 = 3; FIX3 = 4; FIX4 = 5; BASELINE = 6; EXTRA1 = 7; EXTRA2 = 8

KiB = 1024.0; MiB = 1024.0**2; GiB = 1024.0**3
# a value from metrics.tsv: metric("loop", "value") (NaN when absent)
metric(v, k) = real(system(sprintf("awk -F'\\t' '$1==\"%s\" && $2==\"%s\" {print $3; f=1} END {if (!f) print \"NaN\"}' '%s/metrics.tsv'", v, k, casedir)))
