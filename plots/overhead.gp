# overhead.gp — what the instruments cost: every interleaved repetition of
# the kernel with and without the sampler, bare and under `pitfalls watch`,
# and the CPU the instruments themselves use.
load common
have(f) = file_ok(f)
# the calls of one arm, warm-ups left out: "i seconds"
calls(v, arm) = sprintf("< awk -F'\\t' 'NR > 1 && $2 == \"%s\" && $4 == 0 {print $1 \"\\t\" $3}' '%s'", arm, tab(v, "calls"))
# the verdict's figure: the median of the per-round ratios on / off (each
# round of pf_bench_group runs each arm once: non-warm-up calls two by two)
paired(v, on) = system(sprintf("awk -F'\\t' 'NR > 1 && $4 == 0 {k++; x[$2] = $3; if (k %% 2 == 0) { for (a in x) if (a != \"%s\") o = x[a]; print x[\"%s\"] / o; delete x } }' '%s' | sort -g | awk '{r[NR] = $1} END {if (NR) print (NR %% 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2; else print \"nan\"}'", on, on, tab(v, "calls")))

do for [k = 1:2] {
	v = k == 1 ? "sampler_cost" : "watch_cost"
	on = k == 1 ? "sampled" : "watched"
	off = k == 1 ? "unsampled" : "bare"
	bound = k == 1 ? 1.01 : 1.02
	set output out(k == 1 ? "_sampler" : "_watch")
	m_on = metric(v, on . ".time_median")
	m_off = metric(v, off . ".time_median")
	p_on = have(tab(v, "calls")) ? real(paired(v, on)) : NaN
	set title sprintf("%s, interleaved\nper-round ratio (median, paired: the verdict's figure) %.3f (bound %.2f); medians %.4f s / %.4f s = %.3f", \
		k == 1 ? "The kernel on every core, sampler running / paused" : "The kernel as a program, under watch / bare", \
		p_on, bound, m_on, m_off, m_on / m_off)
	set xlabel "call (in the order they ran)"
	set ylabel "seconds"
	set key top right
	set yrange [*:*]
	plot \
	  (have(tab(v, "calls")) ? calls(v, on) : "/dev/null") using 1:2 with points lt EXTRA1 pt 7 ps 1.0 title on, \
	  (have(tab(v, "calls")) ? calls(v, off) : "/dev/null") using 1:2 with points lt BASELINE pt 5 ps 1.0 title off, \
	  m_on with lines lt EXTRA1 dt 2 title sprintf("median %s", on), \
	  m_off with lines lt BASELINE dt 2 title sprintf("median %s", off)
}

# the instruments' own CPU, as a share of one core
set output out("_cpu")
set title "The instruments' own CPU time, as a share of one core (wake-ups included)"
set xlabel ""
set ylabel "% of one core"
set style fill solid 0.85 border rgb "#404040"
set boxwidth 0.6
set key off
set yrange [0:*]
set xrange [-0.6:2.6]
set xtics ("a bare 10 ms wake-up" 0, "the sampler, child idle" 1, "pitfalls watch, beside the kernel" 2)
wake = 100 * metric("idle", "wakeup_share")
samp = 100 * metric("idle", "sampler_s") / metric("idle", "wall_s")
watch = 100 * metric("watch_cost", "watcher_cpu_share")
set print $shares
print "x\tshare"	# a header row: common.gp reads the first row as column heads
print sprintf("0\t%g", wake)
print sprintf("1\t%g", samp)
print sprintf("2\t%g", watch)
unset print
plot $shares using 1:2 with boxes lt BASELINE notitle, \
     $shares using 1:2:(sprintf("%.2f%%", $2)) with labels offset 0,char 1 notitle
