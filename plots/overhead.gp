# overhead.gp — what the instruments cost: every interleaved repetition of
# the kernel with and without the sampler, bare and under `pitfalls watch`,
# and the CPU the instruments themselves use.
load common
have(f) = file_ok(f)
# the calls of one arm, warm-ups left out: "i seconds"
calls(v, arm) = sprintf("< awk -F'\\t' 'NR > 1 && $2 == \"%s\" && $4 == 0 {print $1 \"\\t\" $3}' '%s'", arm, tab(v, "calls"))

do for [k = 1:2] {
	v = k == 1 ? "sampler_cost" : "watch_cost"
	on = k == 1 ? "sampled" : "watched"
	off = k == 1 ? "unsampled" : "bare"
	bound = k == 1 ? 1.01 : 1.02
	set output out(k == 1 ? "_sampler" : "_watch")
	m_on = metric(v, on . ".time_median")
	m_off = metric(v, off . ".time_median")
	set title sprintf("%s, interleaved\nmedians %.4f s / %.4f s = %.3f (bound %.2f)", \
		k == 1 ? "The kernel on every core, sampler running / paused" : "The kernel as a program, under watch / bare", \
		m_on, m_off, m_on / m_off, bound)
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
