/* watch.h — what `pitfalls watch` records about a command (watch.c) and the
 * detectors that read it (detect*.c): one detector per case of the suite. */
#ifndef PF_WATCH_H
#define PF_WATCH_H

#include "internal.h"

#include <stdbool.h>
#include <sys/types.h>

#include "wlib.h"	/* libraries a detector cares about, found in /proc/<pid>/maps */

extern const char *const pf_wlib_names[PF_NLIBS];

/* One process of the command's tree at one deep sample. */
struct pf_wproc {
	double t;
	pid_t pid, ppid;
	char comm[32];
	char state;		/* R S D Z T … */
	char wchan[40];
	double cpu_s;		/* utime + stime */
	double minflt, majflt;
	double cminflt;		/* minor faults of its children it waited for */
	double read_bytes;	/* /proc/<pid>/io: bytes this process had read from storage */
	int threads, running;	/* threads; threads in state R */
	double nvcsw;		/* involuntary context switches (leader) */
	double rss, pss, private_dirty, shared_dirty, shared_clean;
	double anon;		/* smaps_rollup Anonymous: (RSS without the files it maps) */
	double hwm;		/* VmHWM: the highest RSS it ever had (first touches raise it) */
	double max_anon;	/* largest anonymous mapping */
	unsigned libs;		/* 1 << enum pf_wlib */
};

/* A file in /dev/shm or in a joblib memmapping folder. */
struct pf_wfile {
	char path[256];
	unsigned long ino;		/* a path re-created is a new file */
	double size, first, last;	/* bytes; seconds seen */
	int max_mappers;		/* processes mapping it at once */
	bool joblib;			/* in a joblib_memmapping_folder_* */
};

/* A line of the Python hook: kind, pid, t, up to 6 numbers, one text. */
struct pf_wevent {
	char kind[16];
	double t;
	pid_t pid;
	double v[6];
	int nv;
	char text[128];
};

/* Fast samples: the timeline. */
struct pf_wsample {
	struct pf_sample s;
	double faults_minor, faults_major, ctx_switches, task_clock;	/* cumulative; -1 unsupported */
	int running;		/* threads in R, from the last deep sample */
};

struct pf_watch {
	const char *command;
	double wall, t_end;
	int ncores;		/* cores the command may use */
	double mem_total, mem_limit, shm_size;
	bool timed_out;
	double oom_kills;	/* processes the memory cgroup's OOM killer ended (-1: no cgroup) */
	double cost_fast, cost_deep;	/* the watcher's own time in samples (s) */
	double cost_all;		/* all of the watcher's CPU time while the command ran (s) */
	int outcome;		/* enum pf_outcome */
	int exit_code, signal;
	double ru_majflt, ru_inblock_bytes;	/* wait4 of the command: the whole reaped tree */
	/* with --profile and kernel frames: shares of the samples under page-fault
	 * handling and under madvise (the flame graph's tower); NaN otherwise */
	double prof_fault_share, prof_madv_share;
	struct pf_wsample *samples;
	size_t nsamples;
	struct pf_wproc *procs;	/* every process of every deep sample, by time */
	size_t nprocs;
	int ndeep;
	struct pf_wfile *files;
	size_t nfiles;
	double shm_free;	/* free bytes of the fs holding the joblib files when the first was seen; -1 */
	struct pf_wevent *events;
	size_t nevents;
	bool python_hook;	/* events came from at least one Python process */
	char *log;		/* the command's stdout+stderr (first MiB) */
	double counters[PF_NCOUNTERS];
	bool supported[PF_NCOUNTERS];
};

enum pf_severity { PF_SEV_LOW, PF_SEV_MEDIUM, PF_SEV_HIGH };

struct pf_evidence {
	const char *name;
	double value;
	const char *unit;
};

#define PF_MAX_EVIDENCE 8
struct pf_finding {
	const struct pf_detector *d;
	enum pf_severity severity;
	double t;		/* when it was first seen (s), for the plot marker */
	char summary[512];
	struct pf_evidence ev[PF_MAX_EVIDENCE];
	int nev;
};

struct pf_detector {
	const char *name;	/* "shm_memmap_growth" */
	const char *case_name;	/* the suite's case that reproduces it */
	const char *rule;	/* the rule, with its thresholds, one sentence */
	const char *fix;	/* what to do, and the suite's command that shows it */
	/* 1 and a filled finding, or 0 */
	int (*detect)(const struct pf_watch *w, struct pf_finding *f);
};

/* ---- detect.c ---- */
extern const struct pf_detector *const pf_detectors[];
extern const size_t pf_ndetectors;
void pf_finding_ev(struct pf_finding *f, const char *name, double value, const char *unit);
void pf_finding_summary(struct pf_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *pf_severity_name(enum pf_severity s);
/* Helpers over the recorded data. */
size_t pf_watch_events(const struct pf_watch *w, const char *kind, const struct pf_wevent **first);
const struct pf_wevent *pf_watch_event_next(const struct pf_watch *w, const struct pf_wevent *e, const char *kind);
bool pf_watch_forked(const struct pf_watch *w, const struct pf_wproc *p);
const struct pf_wproc *pf_watch_prev(const struct pf_watch *w, size_t i);	/* same pid, sample before */
bool pf_watch_last(const struct pf_watch *w, size_t i);	/* its pid's last record */

/* ---- watch.c ---- */
int pf_cmd_watch(int argc, char **argv);
int pf_cmd_run_variant(int argc, char **argv);

#endif
