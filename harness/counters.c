/* counters.c — perf_event_open counters on a child and everything it starts
 * (inherit).  A counter this machine lacks is "unsupported", never 0. */
#define _GNU_SOURCE
#include "internal.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

const char *const pf_counter_names[PF_NCOUNTERS] = {
	"task_clock_ns", "page_faults_minor", "page_faults_major", "context_switches",
	"cpu_migrations", "cycles", "instructions", "cache_references",
	"cache_misses", "l1d_read_misses", "llc_read_misses",
};

static void attr_for(enum pf_counter c, struct perf_event_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->disabled = 1;
	a->inherit = 1;
	a->exclude_hv = 1;
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	switch (c) {
	case PF_C_TASK_CLOCK: a->type = PERF_TYPE_SOFTWARE; a->config = PERF_COUNT_SW_TASK_CLOCK; break;
	case PF_C_FAULTS_MINOR: a->type = PERF_TYPE_SOFTWARE; a->config = PERF_COUNT_SW_PAGE_FAULTS_MIN; break;
	case PF_C_FAULTS_MAJOR: a->type = PERF_TYPE_SOFTWARE; a->config = PERF_COUNT_SW_PAGE_FAULTS_MAJ; break;
	case PF_C_CTX_SWITCHES: a->type = PERF_TYPE_SOFTWARE; a->config = PERF_COUNT_SW_CONTEXT_SWITCHES; break;
	case PF_C_MIGRATIONS: a->type = PERF_TYPE_SOFTWARE; a->config = PERF_COUNT_SW_CPU_MIGRATIONS; break;
	case PF_C_CYCLES: a->type = PERF_TYPE_HARDWARE; a->config = PERF_COUNT_HW_CPU_CYCLES; break;
	case PF_C_INSTRUCTIONS: a->type = PERF_TYPE_HARDWARE; a->config = PERF_COUNT_HW_INSTRUCTIONS; break;
	case PF_C_CACHE_REFS: a->type = PERF_TYPE_HARDWARE; a->config = PERF_COUNT_HW_CACHE_REFERENCES; break;
	case PF_C_CACHE_MISSES: a->type = PERF_TYPE_HARDWARE; a->config = PERF_COUNT_HW_CACHE_MISSES; break;
	case PF_C_L1D_MISSES:
		a->type = PERF_TYPE_HW_CACHE;
		a->config = PERF_COUNT_HW_CACHE_L1D | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
			    ((uint64_t)PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
		break;
	case PF_C_LLC_MISSES:
		a->type = PERF_TYPE_HW_CACHE;
		a->config = PERF_COUNT_HW_CACHE_LL | (PERF_COUNT_HW_CACHE_OP_READ << 8) |
			    ((uint64_t)PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
		break;
	default: break;
	}
}

void pf_counters_open(struct pf_counters *pc, pid_t pid)
{
	for (int c = 0; c < PF_NCOUNTERS; c++) {
		struct perf_event_attr a;

		attr_for((enum pf_counter)c, &a);
		pc->fd[c] = (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
		pc->err[c] = pc->fd[c] < 0 ? errno : 0;
	}
}

void pf_counters_enable(struct pf_counters *pc)
{
	for (int c = 0; c < PF_NCOUNTERS; c++)
		if (pc->fd[c] >= 0)
			(void)ioctl(pc->fd[c], PERF_EVENT_IOC_ENABLE, 0);
}

void pf_counters_read(struct pf_counters *pc, double *values, bool *supported)
{
	for (int c = 0; c < PF_NCOUNTERS; c++) {
		uint64_t v[3];	/* value, time enabled, time running */

		supported[c] = false;
		values[c] = 0;
		if (pc->fd[c] < 0 || read(pc->fd[c], v, sizeof(v)) != (ssize_t)sizeof(v))
			continue;
		/* enabled but never running: no PMU behind the event (a VM) */
		if (v[1] > 0 && v[2] == 0)
			continue;
		supported[c] = true;
		values[c] = v[2] && v[2] < v[1] ? (double)v[0] * ((double)v[1] / (double)v[2]) : (double)v[0];
	}
}

void pf_counters_close(struct pf_counters *pc)
{
	for (int c = 0; c < PF_NCOUNTERS; c++) {
		if (pc->fd[c] >= 0)
			close(pc->fd[c]);
		pc->fd[c] = -1;
	}
}

void pf_counters_probe(bool *supported)
{
	struct pf_counters pc;

	pf_counters_open(&pc, 0);
	for (int c = 0; c < PF_NCOUNTERS; c++)
		supported[c] = pc.fd[c] >= 0;
	pf_counters_close(&pc);
}
