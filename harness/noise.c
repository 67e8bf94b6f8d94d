/* noise.c — how quiet the machine was when a run started, the way pyperf
 * reports it: load averages, runnable tasks, the processes that were busy
 * (CPU time over a short window), the CPU frequency governor and boost where
 * the machine shows them.  Timing verdicts are read against this. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOISE_WINDOW_S 0.25	/* how long busy processes are watched */
#define BUSY_SHARE 0.10		/* a process using ≥ 10% of a core in the window is "busy" */
#define MAX_PROCS 4096

struct proc_cpu {
	int pid;
	double ticks;
	char comm[64];
};

/* utime + stime (clock ticks) and comm of every process we can read. */
static int snapshot(struct proc_cpu *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char path[64], *s, *rp;
		unsigned long ut, st;
		int pid = atoi(e->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		s = pf_read_file(path, NULL);
		if (!s)
			continue;
		rp = strrchr(s, ')');
		/* fields after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
		if (rp && sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2) {
			char *lp = strchr(s, '(');

			out[n].pid = pid;
			out[n].ticks = (double)(ut + st);
			snprintf(out[n].comm, sizeof(out[n].comm), "%.*s", lp ? (int)(rp - lp - 1) : 0, lp ? lp + 1 : "");
			n++;
		}
		free(s);
	}
	closedir(d);
	return n;
}

static void governor(struct pf_json *o)
{
	char *g = pf_read_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", NULL);
	char *b = pf_read_file("/sys/devices/system/cpu/cpufreq/boost", NULL);
	char *nt = pf_read_file("/sys/devices/system/cpu/intel_pstate/no_turbo", NULL);

	if (g)
		g[strcspn(g, "\n")] = 0;
	pf_json_set_str(o, "cpufreq_governor", g ? g : "not visible (no cpufreq: a VM)");
	if (b)
		pf_json_set_str(o, "boost", atoi(b) ? "on" : "off");
	else if (nt)
		pf_json_set_str(o, "turbo", atoi(nt) ? "off" : "on");
	else
		pf_json_set_str(o, "boost", "not visible");
	free(g);
	free(b);
	free(nt);
}

struct pf_json *pf_noise_json(void)
{
	struct pf_json *o = pf_json_obj(), *busy;
	struct proc_cpu *a = pf_xcalloc(MAX_PROCS, sizeof(*a)), *b = pf_xcalloc(MAX_PROCS, sizeof(*b));
	double la[3] = { -1, -1, -1 }, hz = (double)sysconf(_SC_CLK_TCK), t0, t1, total = 0;
	int na, nb, running = -1, nbusy = 0;
	char *s = pf_read_file("/proc/loadavg", NULL);

	if (s) {
		(void)sscanf(s, "%lf %lf %lf %d", &la[0], &la[1], &la[2], &running);
		free(s);
	}
	pf_json_set_num(o, "loadavg_1m", la[0]);
	pf_json_set_num(o, "loadavg_5m", la[1]);
	pf_json_set_num(o, "loadavg_15m", la[2]);
	pf_json_set_num(o, "runnable_tasks", running);	/* includes this one */
	t0 = pf_now();
	na = snapshot(a, MAX_PROCS);
	(void)nanosleep(&(struct timespec){ 0, (long)(NOISE_WINDOW_S * 1e9) }, NULL);
	nb = snapshot(b, MAX_PROCS);
	t1 = pf_now();
	busy = pf_json_add(o, "busy_processes", pf_json_arr());
	for (int i = 0; i < nb; i++)
		for (int j = 0; j < na; j++) {
			double share;

			if (a[j].pid != b[i].pid)
				continue;
			share = (b[i].ticks - a[j].ticks) / hz / (t1 - t0);
			total += share;
			if (share >= BUSY_SHARE) {
				struct pf_json *p = pf_json_add(busy, NULL, pf_json_obj());

				pf_json_set_num(p, "pid", b[i].pid);
				pf_json_set_str(p, "comm", b[i].comm);
				pf_json_set_num(p, "cpu_share", share);
				nbusy++;
			}
			break;
		}
	pf_json_set_num(o, "other_cpu_cores_busy", total);
	pf_json_set_num(o, "window_s", t1 - t0);
	governor(o);
	pf_json_set_str(o, "quiet", nbusy == 0 ? "yes" : "no: other processes were busy at the start");
	free(a);
	free(b);
	return o;
}
