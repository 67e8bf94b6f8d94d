# overhead.gp — what the instruments cost: every interleaved repetition of
# the kernel with and without the sampler, bare and under `pitfalls watch`,
# and the CPU the instruments themselves use.
load common
have(f) = file_ok(f)
# column col of one arm's calls, warm-ups and untimed ("-") left out: "i value"
callcol(v, arm, col) = sprintf("< awk -F'\\t' 'NR > 1 && $2 == \"%s\" && $4 == 0 && $%d != \"-\" {print $1 \"\\t\" $%d}' '%s'", arm, col, col, tab(v, "calls"))
calls(v, arm) = callcol(v, arm, 3)
# the median of the per-round ratios on / off of column col (each round of
# pf_bench_group runs each arm once: non-warm-up calls two by two)
pairedcol(v, on, col) = system(sprintf("awk -F'\\t' 'NR > 1 && $4 == 0 && $%d != \"-\" {k++; x[$2] = $%d; if (k %% 2 == 0) { for (a in x) if (a != \"%s\") o = x[a]; print x[\"%s\"] / o; delete x } }' '%s' | sort -g | awk '{r[NR] = $1} END {if (NR) print (NR %% 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2; else print \"nan\"}'", col, col, on, on, tab(v, "calls")))
paired(v, on) = pairedcol(v, on, 3)

do for [k = 1:2] {
	v = k == 1 ? "sampler_cost" : "watch_cost"
	on = k == 1 ? "sampled" : "watched"
	off = k == 1 ? "unsampled" : "bare"
	bound = k == 1 ? 1.01 : 1.02
	set output out(k == 1 ? "_sampler" : "_watch")
	m_on = metric(v, on . ".time_median")
	m_off = metric(v, off . ".time_median")
	p_on = have(tab(v, "calls")) ? real(paired(v, on)) : NaN
	set title sprintf("%s, interleaved\nper-round ratio (median, paired: %s) %.3f (bound %.2f); medians %.4f s / %.4f s = %.3f", \
		k == 1 ? "The kernel on every core, sampler running / paused" : "The kernel as a program, under watch / bare", \
		k == 1 ? "reported; the verdict judges the stretch" : "the verdict's figure", p_on, bound, m_on, m_off, m_on / m_off)
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

# the sampler's judged figure: the kernel's stretch in every round (its wall
# time over the wall time its chunks' block medians give), beside its most
# stretched thread's (the share of the core the sampler runs on)
set output out("_stretch")
v = "sampler_cost"
ok = have(tab(v, "calls"))
s_k = ok ? real(pairedcol(v, "sampled", 5)) : NaN
s_c = ok ? real(pairedcol(v, "sampled", 6)) : NaN
set title sprintf("The kernel's stretch (wall time over undisturbed time), sampler running / paused\nper-round ratio (median, paired: the verdict's figure) %.4f (bound 1.01); most stretched thread %.4f", s_k, s_c)
set xlabel "call (in the order they ran)"
set ylabel "stretch"
set key tmargin center horizontal
set yrange [*:*]
plot \
  (ok ? callcol(v, "sampled", 5) : "/dev/null") using 1:2 with points lt EXTRA1 pt 7 ps 1.0 title "kernel, sampled", \
  (ok ? callcol(v, "unsampled", 5) : "/dev/null") using 1:2 with points lt BASELINE pt 5 ps 1.0 title "kernel, unsampled", \
  (ok ? callcol(v, "sampled", 6) : "/dev/null") using 1:2 with points lt EXTRA1 pt 6 ps 0.6 title "most stretched thread, sampled", \
  (ok ? callcol(v, "unsampled", 6) : "/dev/null") using 1:2 with points lt BASELINE pt 4 ps 0.6 title "most stretched thread, unsampled"

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
