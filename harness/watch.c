/* watch.c — `pitfalls watch -- COMMAND`: run any program as a variant is run
 * (its own process group; a memory cgroup / private /dev/shm only when asked;
 * pinned when asked), sample it with the harness's sampler and perf counters
 * plus a slower deep sample of each process (threads, faults, wchan, maps,
 * smaps_rollup, joblib / /dev/shm files), collect the Python hook's events,
 * then run one detector per case of the suite and report what it found. */
#define _GNU_SOURCE
#include "watch.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Default interval of the timeline (RSS, cgroup, counters, pf_sample_take)
 * and of the deep samples (maps, smaps_rollup, every thread's state, the
 * joblib / /dev/shm files); during the first WATCH_EARLY_S at WATCH_EARLY_DIV
 * times that rate (short programs are sampled too).  A deep sample is never
 * taken sooner than WATCH_DEEP_COST_SHARE times its own CPU cost after the
 * last one: the watcher, beside the command, uses 5% of one core at most. */
#define WATCH_INTERVAL_S 0.1
#define WATCH_EARLY_S 2.0
#define WATCH_EARLY_DIV 2.0
#define WATCH_DEEP_COST_SHARE 20.0
#define WATCH_PROFILE_POLL_S 0.005	/* with --profile: drain the sample buffers this often */
#define WATCH_LOG_MAX (1 << 20)		/* bytes of the command's log the detectors read */
#define WATCH_MAX_PIDS 1024
#define WATCH_MAX_DIRS 256		/* folders watched for files created (inotify) */

static const char *const help_watch =
	"usage: pitfalls watch [options] -- COMMAND [ARGS...]\n"
	"\n"
	"Runs COMMAND (any program) under the suite's instruments and tells which of the\n"
	"suite's pathologies it shows, with the numbers and the fix. Writes a run\n"
	"directory (timeline, counters, processes, the command's log, findings, plot).\n"
	"\n"
	"  --cpus LIST        pin the command to these cpus (0-1, 0,2); default: not pinned\n"
	"  --interval S       sampling interval (default 0.1 s; twice as often in the first 2 s)\n"
	"  --mem-limit SIZE   run in a memory cgroup of this limit (default: none, real memory)\n"
	"  --shm-size SIZE    give it a private /dev/shm of this size (default: the real /dev/shm)\n"
	"  --timeout S        kill the process group after S seconds (a hang is a finding)\n"
	"  --out DIR          results directory (default <source>/results)\n"
	"  --json             stdout: one JSON object only; the command's output goes to its log\n"
	"  --fail-on-findings exit 1 when a finding of medium severity or more was found\n"
	"  --no-python-hook   do not load the Python start-up hook (sitecustomize), nor\n"
	"                     probe numpy's BLAS for machine.json\n"
	"  --no-preload       do not preload libpitfalls-preload.so (told at each exit:\n"
	"                     floating-point flags left unread, BLAS / OpenMP loaded)\n"
	"  --profile          sample call stacks (profile.c): watch/command.folded and .flame.svg\n"
	"\n"
	"Exit status: the command's own (128+N when killed by signal N, 124 at --timeout),\n"
	"or 1 with --fail-on-findings and a finding, 2 for a bad option.\n"
	"Detectors (rule and thresholds: README, `pitfalls watch --detectors`).\n";

struct watch_opts {
	const char *cpus, *out;
	double interval, mem_limit, shm_size, timeout;
	bool json, fail_on_findings, python_hook, preload, profile;
	char **argv;
};

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

/* ---- options ---- */

/* A number with its unit in [lo, hi]: 0, or -1 after the one-line usage error. */
static int take_num(const char *val, enum pf_unit unit, double lo, double hi, const char *opt, double *out)
{
	char err[256] = "", l[32], h[32];

	if (pf_parse_value(val, unit, out, err, sizeof(err)) == 0 && *out >= lo && *out <= hi)
		return 0;
	pf_fmt_value(l, sizeof(l), lo, unit);
	pf_fmt_value(h, sizeof(h), hi, unit);
	pf_usage_error("watch: bad value '%s' for %s (%s to %s)%s%s", val, opt, l, h, err[0] ? ": " : "", err);
	return -1;
}

static int parse_opts(int argc, char **argv, struct watch_opts *o)
{
	int i;

	*o = (struct watch_opts){ .interval = WATCH_INTERVAL_S, .python_hook = true, .preload = true };
	for (i = 1; i < argc; i++) {
		const char *val = NULL;
		int t;

		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (argv[i][0] != '-')
			break;
		if (pf_is_help(argv[i])) {
			fputs(help_watch, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--detectors")) {
			for (size_t k = 0; k < pf_ndetectors; k++)
				printf("%-22s %-22s %s\n", pf_detectors[k]->name, pf_detectors[k]->case_name,
				       pf_detectors[k]->rule);
			return 0;
		}
		if (!strcmp(argv[i], "--json")) {
			o->json = true;
		} else if (!strcmp(argv[i], "--fail-on-findings")) {
			o->fail_on_findings = true;
		} else if (!strcmp(argv[i], "--no-python-hook")) {
			o->python_hook = false;
		} else if (!strcmp(argv[i], "--no-preload")) {
			o->preload = false;
		} else if (!strcmp(argv[i], "--profile")) {
			o->profile = true;
		} else if ((t = pf_take_value(argc, argv, &i, "--cpus", &val))) {
			if (t < 0)
				return 2;
			o->cpus = val;
		} else if ((t = pf_take_value(argc, argv, &i, "--out", &val))) {
			if (t < 0)
				return 2;
			o->out = val;
		} else if ((t = pf_take_value(argc, argv, &i, "--interval", &val))) {
			if (t < 0 || take_num(val, PF_SECONDS, 0.001, 60, "--interval", &o->interval) < 0)
				return 2;
		} else if ((t = pf_take_value(argc, argv, &i, "--timeout", &val))) {
			if (t < 0 || take_num(val, PF_SECONDS, 0.001, 1e9, "--timeout", &o->timeout) < 0)
				return 2;
		} else if ((t = pf_take_value(argc, argv, &i, "--mem-limit", &val))) {
			if (t < 0 || take_num(val, PF_BYTES, 1 << 20, 1e18, "--mem-limit", &o->mem_limit) < 0)
				return 2;
		} else if ((t = pf_take_value(argc, argv, &i, "--shm-size", &val))) {
			if (t < 0 || take_num(val, PF_BYTES, 1 << 20, 1e18, "--shm-size", &o->shm_size) < 0)
				return 2;
		} else {
			return pf_usage_error("watch: unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		return pf_usage_error("watch: no command (pitfalls watch [options] -- COMMAND [ARGS...])");
	o->argv = argv + i;
	return -1;
}

/* ---- the deep sample ---- */

const char *const pf_wlib_names[PF_NLIBS] = {
	[PF_LIB_OPENBLAS] = "openblas", [PF_LIB_BLIS] = "blis", [PF_LIB_MKL] = "mkl",
	[PF_LIB_REFBLAS] = "reference-blas", [PF_LIB_GOMP] = "libgomp", [PF_LIB_IOMP] = "libiomp",
	[PF_LIB_LLVM_OMP] = "libomp", [PF_LIB_JEMALLOC] = "jemalloc", [PF_LIB_TCMALLOC] = "tcmalloc",
};

struct deep_state {
	struct pf_watch *w;
	pid_t leader;
	char shm_dir[64];
	char dirs[16][256];	/* where joblib folders may be: /tmp, JOBLIB_TEMP_FOLDER, from maps */
	int ndirs;
	struct {		/* each one's joblib folders, as of its mtime */
		struct timespec mtime;
		bool trusted;	/* listed ≥ ROOT_QUIET_S after that mtime: a change since has a later one */
		char (*sub)[256];
		int nsub;
	} roots[16];
	struct { pid_t pid; char comm[32]; } env_seen[WATCH_MAX_PIDS];	/* environments read (an exec re-reads) */
	int nenv_seen;
	struct { char path[256]; unsigned long ino; int n; } mapped[512];	/* this sample */
	int nmapped;
	struct pf_tree_memo *memo;	/* the members, shared with the fast samples */
	/* files created between two deep samples (joblib's loky backend unlinks
	 * a memmap soon after a task has it): inotify on the command's /dev/shm,
	 * the joblib folders and the roots where those are made */
	int ifd;		/* -1: no inotify */
	struct {
		int wd;		/* -1: gone */
		bool files;	/* its files are the command's (not a root's) */
		char real[160], shown[160];
	} fdirs[WATCH_MAX_DIRS];
	int nfdirs;
	dev_t shm_dev;		/* the command's /dev/shm, as last watched */
	ino_t shm_ino;
	int shm_wd;
};

static bool watched_file(const char *path)
{
	return !strncmp(path, "/dev/shm/", 9) || strstr(path, "joblib_memmapping_folder_");
}

/* Watch a folder for files created in it (files: they are the command's;
 * else a root, where only joblib folders made in it count): the inotify
 * watch descriptor, or -1. */
static int watch_dir(struct deep_state *ds, const char *real, const char *shown, bool files)
{
	int wd, i;

	if (ds->ifd < 0 || strlen(real) >= sizeof(ds->fdirs[0].real) || strlen(shown) >= sizeof(ds->fdirs[0].shown))
		return -1;
	wd = inotify_add_watch(ds->ifd, real, IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR);
	if (wd < 0)
		return -1;
	for (i = 0; i < ds->nfdirs && ds->fdirs[i].wd != wd; i++)
		;
	if (i == ds->nfdirs) {
		if (ds->nfdirs == WATCH_MAX_DIRS) {
			(void)inotify_rm_watch(ds->ifd, wd);
			return -1;
		}
		ds->nfdirs++;
	}
	ds->fdirs[i].wd = wd;
	ds->fdirs[i].files = files;
	snprintf(ds->fdirs[i].real, sizeof(ds->fdirs[i].real), "%s", real);
	snprintf(ds->fdirs[i].shown, sizeof(ds->fdirs[i].shown), "%s", shown);
	return wd;
}

static void add_root(struct deep_state *ds, const char *dir)
{
	if (!dir[0] || !strncmp(dir, "/dev/shm", 8))
		return;	/* /dev/shm is listed through the command's root */
	for (int i = 0; i < ds->ndirs; i++)
		if (!strcmp(ds->dirs[i], dir))
			return;
	if (ds->ndirs < 16) {
		snprintf(ds->dirs[ds->ndirs++], sizeof(ds->dirs[0]), "%s", dir);
		(void)watch_dir(ds, dir, dir, false);
	}
}

/* The directory above a joblib folder a process maps a file of. */
static void learn_dir(struct deep_state *ds, const char *path)
{
	char dir[256];
	char *slash;

	if (!strstr(path, "joblib_memmapping_folder_"))
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	for (int k = 0; k < 2; k++) {
		slash = strrchr(dir, '/');
		if (!slash)
			return;
		*slash = 0;
	}
	add_root(ds, dir);
}

/* JOBLIB_TEMP_FOLDER / TMPDIR of a new process of the tree: where joblib dumps. */
static void learn_env(struct deep_state *ds, pid_t pid, const char *comm)
{
	static const char *const keys[] = { "JOBLIB_TEMP_FOLDER=", "TMPDIR=" };
	char path[64], *env;
	size_t len = 0;

	for (int i = 0; i < ds->nenv_seen; i++)
		if (ds->env_seen[i].pid == pid && !strcmp(ds->env_seen[i].comm, comm))
			return;
	if (ds->nenv_seen < WATCH_MAX_PIDS) {
		ds->env_seen[ds->nenv_seen].pid = pid;
		snprintf(ds->env_seen[ds->nenv_seen++].comm, sizeof(ds->env_seen[0].comm), "%s", comm);
	}
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	env = pf_read_file(path, &len);
	if (!env)
		return;
	for (size_t off = 0; off < len; off += strlen(env + off) + 1)
		for (int k = 0; k < 2; k++)
			if (!strncmp(env + off, keys[k], strlen(keys[k])))
				add_root(ds, env + off + strlen(keys[k]));
	free(env);
}

static void note_mapped(struct deep_state *ds, const char *path, unsigned long ino, const char *seen_pid_paths[],
			int *nseen)
{
	/* count each file once per process */
	for (int i = 0; i < *nseen; i++)
		if (!strcmp(seen_pid_paths[i], path))
			return;
	for (int i = 0; i < ds->nmapped; i++)
		if (!strcmp(ds->mapped[i].path, path)) {
			ds->mapped[i].n++;
			goto seen;
		}
	if (ds->nmapped < 512) {
		snprintf(ds->mapped[ds->nmapped].path, sizeof(ds->mapped[0].path), "%s", path);
		ds->mapped[ds->nmapped].ino = ino;
		ds->mapped[ds->nmapped++].n = 1;
	}
seen:
	if (*nseen < 256)
		seen_pid_paths[(*nseen)++] = path;
}

static void read_maps(struct deep_state *ds, pid_t pid, struct pf_wproc *p)
{
	char path[64], line[1024];
	const char *seen[256];
	char *kept[256];
	int nseen = 0, nkept = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, ino = 0;
		int off = 0;
		char *name;
		int lib;

		char perms[8] = "";

		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %n", &lo, &hi, perms, &ino, &off) < 4 || !off)
			continue;
		name = line + off;
		name[strcspn(name, "\n")] = 0;
		if (!*name && perms[0] == 'r' && perms[1] == 'w') {
			if ((double)(hi - lo) > p->max_anon)
				p->max_anon = (double)(hi - lo);
			continue;
		}
		if ((lib = pf_wlib_of(name)) >= 0)
			p->libs |= 1u << lib;
		if (watched_file(name) && nkept < 256) {
			kept[nkept] = pf_xstrdup(name);
			learn_dir(ds, name);
			note_mapped(ds, kept[nkept], ino, seen, &nseen);
			nkept++;
		}
	}
	fclose(f);
	for (int i = 0; i < nkept; i++)
		free(kept[i]);
}

static int running_threads(pid_t pid, int threads, char state)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (threads <= 1)
		return state == 'R';
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return state == 'R';
	while ((e = readdir(d))) {
		char p2[300], *s, *q;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(p2, sizeof(p2), "/proc/%d/task/%s/stat", (int)pid, e->d_name);
		s = pf_read_file(p2, NULL);
		if (!s)
			continue;
		q = strrchr(s, ')');
		if (q && q[1] == ' ' && q[2] == 'R')
			n++;
		free(s);
	}
	closedir(d);
	return n;
}

static void read_proc(struct deep_state *ds, pid_t pid, double t, struct pf_wproc *p)
{
	char path[64], *s, *q;
	static long hz;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	memset(p, 0, sizeof(*p));
	p->t = t;
	p->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	s = pf_read_file(path, NULL);
	if (!s)
		return;
	q = strrchr(s, ')');
	if (q) {
		char *lp = strchr(s, '(');
		unsigned long minflt, cminflt, majflt, ut, st;
		long threads;
		int ppid;

		if (lp)
			pf_strlcpy_utf8(p->comm, lp + 1, (size_t)(q - lp) < sizeof(p->comm) ? (size_t)(q - lp) : sizeof(p->comm));
		/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
		 * cutime cstime priority nice num_threads */
		if (sscanf(q + 2, "%c %d %*d %*d %*d %*d %*u %lu %lu %lu %*u %lu %lu %*d %*d %*d %*d %ld",
			   &p->state, &ppid, &minflt, &cminflt, &majflt, &ut, &st, &threads) == 8) {
			p->ppid = ppid;
			p->minflt = (double)minflt;
			p->cminflt = (double)cminflt;
			p->majflt = (double)majflt;
			p->cpu_s = (double)(ut + st) / (double)hz;
			p->threads = (int)threads;
		}
	}
	free(s);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	p->nvcsw = p->hwm = -1;
	if ((s = pf_read_file(path, NULL))) {
		p->nvcsw = pf_keyed(s, "nonvoluntary_ctxt_switches:");
		p->hwm = pf_keyed(s, "VmHWM:") * 1024.0;
		free(s);
	}
	snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
	p->read_bytes = pf_read_keyed(path, "read_bytes:");
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	s = pf_read_file(path, NULL);
	if (s) {
		pf_strlcpy_utf8(p->wchan, s, sizeof(p->wchan));
		free(s);
	}
	p->running = running_threads(pid, p->threads, p->state);
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	s = pf_read_file(path, NULL);
	if (s) {
		const char *keys[] = { "\nRss:", "\nPss:", "\nPrivate_Dirty:", "\nShared_Dirty:", "\nShared_Clean:",
				       "\nAnonymous:" };
		double *dst[] = { &p->rss, &p->pss, &p->private_dirty, &p->shared_dirty, &p->shared_clean, &p->anon };

		for (int k = 0; k < 6; k++) {
			char *f = strstr(s, keys[k]);

			*dst[k] = f ? strtod(f + strlen(keys[k]), NULL) * 1024.0 : 0;
		}
		free(s);
	}
	read_maps(ds, pid, p);
}

static struct pf_wfile *file_entry(struct pf_watch *w, const char *path, unsigned long ino)
{
	for (size_t i = w->nfiles; i-- > 0;)
		if (!strcmp(w->files[i].path, path) && (!ino || !w->files[i].ino || w->files[i].ino == ino)) {
			if (!w->files[i].ino)
				w->files[i].ino = ino;
			return &w->files[i];
		}
	w->files = pf_xrealloc(w->files, (w->nfiles + 1) * sizeof(*w->files));
	memset(&w->files[w->nfiles], 0, sizeof(w->files[0]));
	snprintf(w->files[w->nfiles].path, sizeof(w->files[0].path), "%s", path);
	w->files[w->nfiles].ino = ino;
	w->files[w->nfiles].first = -1;
	return &w->files[w->nfiles++];
}

/* A file of the command seen at t (shown: its path as the command sees it;
 * real: as we reach it; st NULL: created and gone before it could be looked
 * at).  At the first joblib file, the free space of its filesystem (the
 * command's private /dev/shm lives only while the command does): what
 * slice_memmap's ENOSPC projection divides. */
static void note_file(struct deep_state *ds, const char *shown, const char *real, const struct stat *st, double t)
{
	struct pf_wfile *f = file_entry(ds->w, shown, st ? (unsigned long)st->st_ino : 0);

	if (f->first < 0)
		f->first = t;
	f->last = t;
	if (st)
		f->size = fmax(f->size, (double)st->st_blocks * 512.0);
	f->joblib = strstr(shown, "joblib_memmapping_folder_") != NULL;
	if (f->joblib && ds->w->shm_free < 0) {
		char dir[512], *slash;
		struct statvfs vfs;

		snprintf(dir, sizeof(dir), "%s", real);
		if ((slash = strrchr(dir, '/')))
			*slash = 0;
		if (statvfs(dir, &vfs) == 0)
			ds->w->shm_free = (double)vfs.f_bavail * (double)vfs.f_frsize;
	}
}

/* Files of one directory: the command's /dev/shm (and its joblib folders one
 * level down), or a joblib folder (depth 1).  Files that were there before
 * the command started are not the command's.  A joblib folder is watched
 * from then on (file_events). */
static void list_dir(struct deep_state *ds, const char *dir, const char *shown, double t, int depth,
		     char **before, size_t nbefore)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	if (depth == 1)
		(void)watch_dir(ds, dir, shown, true);
	while ((e = readdir(d))) {
		char full[512], disp[512];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
		snprintf(disp, sizeof(disp), "%s/%s", shown, e->d_name);
		if (stat(full, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth == 0 && strstr(e->d_name, "joblib_memmapping_folder_"))
				list_dir(ds, full, disp, t, 1, before, nbefore);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		{
			bool old = false;

			for (size_t i = 0; i < nbefore && !old; i++)
				old = !strcmp(before[i], disp);
			if (old)
				continue;
		}
		note_file(ds, disp, full, &st, t);
	}
	closedir(d);
}

/* The files created since the last look, from the watched folders' events:
 * a joblib folder made in a root or in /dev/shm is watched and listed (what
 * was made in it before the watch), a file made in a watched folder of the
 * command's is noted at once (its size at its creation, or at its close). */
static void file_events(struct deep_state *ds, double t)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while (ds->ifd >= 0 && (n = read(ds->ifd, buf, sizeof(buf))) > 0) {
		const struct inotify_event *ev;

		for (char *p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			char full[512], disp[512];
			struct stat st;
			int k;

			ev = (const struct inotify_event *)p;
			for (k = 0; k < ds->nfdirs && ds->fdirs[k].wd != ev->wd; k++)
				;
			if (k == ds->nfdirs)
				continue;
			if (ev->mask & IN_IGNORED) {	/* the folder is gone */
				ds->fdirs[k].wd = -1;
				continue;
			}
			if (!ev->len)
				continue;
			snprintf(full, sizeof(full), "%s/%s", ds->fdirs[k].real, ev->name);
			snprintf(disp, sizeof(disp), "%s/%s", ds->fdirs[k].shown, ev->name);
			if (ev->mask & IN_ISDIR) {
				if (strstr(ev->name, "joblib_memmapping_folder_"))
					list_dir(ds, full, disp, t, 1, NULL, 0);
			} else if (ds->fdirs[k].files) {
				note_file(ds, disp, full, stat(full, &st) == 0 && S_ISREG(st.st_mode) ? &st : NULL, t);
			}
		}
	}
}

/* Watch the command's /dev/shm: its own, once it has mounted a private one
 * (the watch on the one before goes). */
static void watch_shm(struct deep_state *ds, const char *root)
{
	struct stat st;

	if (ds->ifd < 0 || stat(root, &st) < 0 || (st.st_dev == ds->shm_dev && st.st_ino == ds->shm_ino))
		return;
	if (ds->shm_wd >= 0)
		(void)inotify_rm_watch(ds->ifd, ds->shm_wd);
	ds->shm_dev = st.st_dev;
	ds->shm_ino = st.st_ino;
	ds->shm_wd = watch_dir(ds, root, "/dev/shm", true);
}

/* A directory where joblib folders may be (/tmp, JOBLIB_TEMP_FOLDER, …):
 * only its joblib_memmapping_folder_* entries count, and they come and go
 * with the directory's mtime, so it is read again only when that changed (a
 * /tmp of a few hundred names cost more than the rest of a deep sample).
 * Timestamps are coarse: a listing made within ROOT_QUIET_S of the mtime is
 * not trusted, and the next deep sample reads the directory again. */
#define ROOT_QUIET_S 0.05
static void list_root(struct deep_state *ds, int k, double t)
{
	const char *dir = ds->dirs[k];
	struct stat st;
	struct timespec now;

	if (stat(dir, &st) < 0)
		return;
	if (!ds->roots[k].trusted || st.st_mtim.tv_sec != ds->roots[k].mtime.tv_sec ||
	    st.st_mtim.tv_nsec != ds->roots[k].mtime.tv_nsec) {
		DIR *d = opendir(dir);
		struct dirent *e;

		if (!d)
			return;
		ds->roots[k].nsub = 0;
		while ((e = readdir(d))) {
			char full[512];
			struct stat sst;

			if (!strstr(e->d_name, "joblib_memmapping_folder_"))
				continue;
			snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
			if (stat(full, &sst) < 0 || !S_ISDIR(sst.st_mode))
				continue;
			ds->roots[k].sub = pf_xrealloc(ds->roots[k].sub,
						       (size_t)(ds->roots[k].nsub + 1) * sizeof(*ds->roots[k].sub));
			snprintf(ds->roots[k].sub[ds->roots[k].nsub++], sizeof(ds->roots[k].sub[0]), "%s", e->d_name);
		}
		closedir(d);
		clock_gettime(CLOCK_REALTIME, &now);
		ds->roots[k].mtime = st.st_mtim;
		ds->roots[k].trusted = (double)(now.tv_sec - st.st_mtim.tv_sec) +
					       1e-9 * (double)(now.tv_nsec - st.st_mtim.tv_nsec) > ROOT_QUIET_S;
	}
	for (int i = 0; i < ds->roots[k].nsub; i++) {
		char full[512];

		snprintf(full, sizeof(full), "%s/%s", dir, ds->roots[k].sub[i]);
		list_dir(ds, full, full, t, 1, NULL, 0);
	}
}

static char **shm_before;
static size_t nshm_before;

static void snapshot_shm(void)
{
	DIR *d = opendir("/dev/shm");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		shm_before = pf_xrealloc(shm_before, (nshm_before + 1) * sizeof(char *));
		shm_before[nshm_before++] = pf_xasprintf("/dev/shm/%s", e->d_name);
	}
	closedir(d);
}

static void deep_sample(struct deep_state *ds, const struct pf_cgroup *cg, double t)
{
	pid_t pids[WATCH_MAX_PIDS];
	/* the command's processes, refreshed for the fast samples too: with a
	 * cgroup its members; without, the leader's descendants and its process
	 * group (pf_tree_members: the cost grows with the tree, not the machine) */
	int n = pf_tree_members(ds->leader, cg, ds->memo, true, pids, WATCH_MAX_PIDS);
	struct pf_watch *w = ds->w;
	char root[128];

	ds->nmapped = 0;
	w->procs = pf_xrealloc(w->procs, (w->nprocs + (size_t)n) * sizeof(*w->procs));
	for (int i = 0; i < n; i++) {
		read_proc(ds, pids[i], t, &w->procs[w->nprocs]);
		learn_env(ds, pids[i], w->procs[w->nprocs].comm);
		if (w->procs[w->nprocs].comm[0])
			w->nprocs++;
	}
	w->ndeep++;
	/* the command's /dev/shm (its own when private) and joblib folders elsewhere */
	snprintf(root, sizeof(root), "/proc/%d/root/dev/shm", (int)ds->leader);
	watch_shm(ds, root);
	list_dir(ds, root, "/dev/shm", t, 0, ds->shm_dir[0] ? NULL : shm_before, ds->shm_dir[0] ? 0 : nshm_before);
	for (int i = 0; i < ds->ndirs; i++)
		list_root(ds, i, t);
	for (int i = 0; i < ds->nmapped; i++) {
		struct pf_wfile *f = file_entry(w, ds->mapped[i].path, ds->mapped[i].ino);

		if (f->first < 0)
			f->first = t;
		f->last = t;
		f->joblib = strstr(f->path, "joblib_memmapping_folder_") != NULL;
		if (ds->mapped[i].n > f->max_mappers)
			f->max_mappers = ds->mapped[i].n;
	}
}

/* ---- the hooks' events (the Python hook's and the preload hook's) ---- */

static void read_events(struct pf_watch *w, const char *path, double t0)
{
	FILE *f = fopen(path, "re");
	char line[1024];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct pf_wevent e = { .nv = 0 };
		char *save = NULL, *tok;
		int field = 0;

		line[strcspn(line, "\n")] = 0;
		for (tok = strtok_r(line, "\t", &save); tok; tok = strtok_r(NULL, "\t", &save), field++) {
			if (field == 0)
				snprintf(e.kind, sizeof(e.kind), "%s", tok);
			else if (field == 1)
				e.t = strtod(tok, NULL) - t0;
			else if (field == 2)
				e.pid = (pid_t)strtol(tok, NULL, 10);
			else if (tok[0] == '=')
				pf_strlcpy_utf8(e.text, tok + 1, sizeof(e.text));
			else if (e.nv < 6)
				e.v[e.nv++] = strtod(tok, NULL);
		}
		if (field < 3)
			continue;
		w->events = pf_xrealloc(w->events, (w->nevents + 1) * sizeof(*w->events));
		w->events[w->nevents++] = e;
		if (!strcmp(e.kind, "start"))	/* the Python hook's first line in each process */
			w->python_hook = true;
	}
	fclose(f);
}

/* ---- output ---- */

static const char *outcome_word(const struct pf_watch *w)
{
	return pf_outcome_name((enum pf_outcome)w->outcome);
}

static struct pf_json *findings_json(const struct pf_finding *fs, int nf)
{
	struct pf_json *arr = pf_json_arr();

	for (int i = 0; i < nf; i++) {
		struct pf_json *o = pf_json_add(arr, NULL, pf_json_obj()), *ev, *units;

		pf_json_set_str(o, "detector", fs[i].d->name);
		pf_json_set_str(o, "case", fs[i].d->case_name);
		pf_json_set_str(o, "severity", pf_severity_name(fs[i].severity));
		pf_json_set_str(o, "summary", fs[i].summary);
		ev = pf_json_add(o, "evidence", pf_json_obj());
		units = pf_json_add(o, "units", pf_json_obj());
		for (int k = 0; k < fs[i].nev; k++) {
			pf_json_set_num(ev, fs[i].ev[k].name, fs[i].ev[k].value);
			pf_json_set_str(units, fs[i].ev[k].name, fs[i].ev[k].unit);
		}
		pf_json_set_num(o, "t_s", fs[i].t);
		pf_json_set_str(o, "rule", fs[i].d->rule);
		pf_json_set_str(o, "fix", fs[i].d->fix);
	}
	return arr;
}

struct peaks {
	double rss, pss, cg, shm_files, threads, procs, running;
};

static void compute_peaks(const struct pf_watch *w, struct peaks *pk)
{
	memset(pk, 0, sizeof(*pk));
	for (size_t i = 0; i < w->nsamples; i++) {
		const struct pf_sample *s = &w->samples[i].s;

		pk->rss = fmax(pk->rss, s->rss);
		pk->pss = fmax(pk->pss, s->pss);
		pk->cg = fmax(pk->cg, s->cg_usage);
		pk->procs = fmax(pk->procs, s->nprocs);
	}
	for (size_t i = 0; i < w->nprocs;) {
		double t = w->procs[i].t, thr = 0, run = 0;

		for (; i < w->nprocs && w->procs[i].t == t; i++) {
			thr += w->procs[i].threads;
			run += w->procs[i].running;
		}
		pk->threads = fmax(pk->threads, thr);
		pk->running = fmax(pk->running, run);
	}
	for (size_t i = 0; i < w->nfiles; i++)
		pk->shm_files += w->files[i].size;
}

static struct pf_json *watch_json(const struct pf_watch *w, const struct pf_finding *fs, int nf,
				  const char *rundir)
{
	struct pf_json *o = pf_json_obj(), *p, *c;
	struct peaks pk;

	compute_peaks(w, &pk);
	pf_json_set_str(o, "command", w->command);
	pf_json_set_str(o, "outcome", outcome_word(w));
	if (w->outcome == PF_OUT_OK || w->outcome == PF_OUT_FAILED)
		pf_json_set_num(o, "exit_code", w->exit_code);
	else
		pf_json_add(o, "exit_code", pf_json_null());
	if (w->signal)
		pf_json_set_num(o, "signal", w->signal);
	if (w->oom_kills >= 0)	/* with --mem-limit: the OOM killer's kills in the cgroup */
		pf_json_set_num(o, "oom_kills", w->oom_kills);
	pf_json_set_num(o, "wall_s", w->wall);
	p = pf_json_add(o, "peaks", pf_json_obj());
	pf_json_set_num(p, "rss_bytes", pk.rss);
	if (pk.pss > 0)
		pf_json_set_num(p, "pss_bytes", pk.pss);
	if (pk.cg > 0)
		pf_json_set_num(p, "cgroup_bytes", pk.cg);
	pf_json_set_num(p, "shm_files_bytes", pk.shm_files);
	pf_json_set_num(p, "processes", pk.procs);
	pf_json_set_num(p, "threads", pk.threads);
	pf_json_set_num(p, "running_threads", pk.running);
	c = pf_json_add(o, "counters", pf_json_obj());
	for (int k = 0; k < PF_NCOUNTERS; k++) {
		if (w->supported[k])
			pf_json_set_num(c, pf_counter_names[k], w->counters[k]);
		else
			pf_json_set_str(c, pf_counter_names[k], "unsupported");
	}
	pf_json_add(o, "python_hook", pf_json_bool(w->python_hook));
	p = pf_json_add(o, "watcher", pf_json_obj());
	pf_json_set_num(p, "samples", (double)w->nsamples);
	pf_json_set_num(p, "deep_samples", w->ndeep);
	pf_json_set_num(p, "sample_cpu_s", w->cost_fast);
	pf_json_set_num(p, "deep_sample_cpu_s", w->cost_deep);
	pf_json_set_num(p, "cpu_s", w->cost_all);
	pf_json_add(o, "findings", findings_json(fs, nf));
	pf_json_set_str(o, "run_dir", rundir);
	return o;
}

static void print_table(const struct pf_watch *w, const struct pf_finding *fs, int nf, const char *rundir)
{
	char b[32];
	struct peaks pk;

	compute_peaks(w, &pk);
	pf_fmt_bytes(b, sizeof(b), pk.rss);
	printf("\npitfalls watch: %s — %s", w->command, outcome_word(w));
	if (w->outcome == PF_OUT_FAILED)
		printf(" (exit %d)", w->exit_code);
	if (w->signal)
		printf(" (%s)", strsignal(w->signal));
	printf(", %.2f s, peak RSS %s, %.0f processes, %.0f threads\n", w->wall, b, pk.procs, pk.threads);
	if (!nf) {
		printf("no findings (%zu detectors%s)\n", pf_ndetectors,
		       w->python_hook ? ", Python hook loaded" : "");
	} else {
		printf("%-8s %-22s %-22s %s\n", "severity", "detector", "case", "finding");
		for (int i = 0; i < nf; i++) {
			printf("%-8s %-22s %-22s %s\n", pf_severity_name(fs[i].severity), fs[i].d->name,
			       fs[i].d->case_name, fs[i].summary);
			printf("%-8s %-22s %-22s fix: %s\n", "", "", "", fs[i].d->fix);
		}
	}
	printf("run directory: %s\n", rundir);
}

static int write_files(const struct pf_watch *w, const struct pf_finding *fs, int nf, const char *dir)
{
	struct pf_buf b = { 0 };
	char *path;
	int rc = 0;

	pf_buf_puts(&b, "t\trss\tpss\tcg_usage\tcg_anon\tcg_file\tcg_shmem\tshm_used\tmem_available\tcached\tshmem"
			"\tdirty\tnprocs\tfaults_minor\tfaults_major\tctx_switches\trunning\tshm_files\n");
	for (size_t i = 0; i < w->nsamples; i++) {
		const struct pf_wsample *x = &w->samples[i];
		const double v[] = { x->s.rss, x->s.pss, x->s.cg_usage, x->s.cg_anon, x->s.cg_file, x->s.cg_shmem,
				     x->s.shm_used, x->s.mem_available, x->s.cached, x->s.shmem, x->s.dirty };
		double files = 0;

		pf_buf_printf(&b, "%.4f", x->s.t);
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			pf_buf_printf(&b, v[k] < 0 ? "\t-" : "\t%.0f", v[k]);
		pf_buf_printf(&b, "\t%d", x->s.nprocs);
		pf_buf_printf(&b, x->faults_minor < 0 ? "\t-" : "\t%.0f", x->faults_minor);
		pf_buf_printf(&b, x->faults_major < 0 ? "\t-" : "\t%.0f", x->faults_major);
		pf_buf_printf(&b, x->ctx_switches < 0 ? "\t-" : "\t%.0f", x->ctx_switches);
		for (size_t k = 0; k < w->nfiles; k++)
			if (w->files[k].first <= x->s.t && w->files[k].last >= x->s.t - 0.5)
				files += w->files[k].size;
		pf_buf_printf(&b, "\t%d\t%.0f\n", x->running, files);
	}
	path = pf_xasprintf("%s/command.timeline.tsv", dir);
	rc |= pf_write_atomic(path, b.data, b.len);
	free(path);

	b.len = 0;
	pf_buf_puts(&b, "t\tpid\tppid\tcomm\tstate\twchan\tcpu_s\tthreads\trunning\tminflt\tmajflt\tnvcsw\trss"
			"\tprivate_dirty\tshared_dirty\tmax_anon\tread_bytes\tlibs\n");
	for (size_t i = 0; i < w->nprocs; i++) {
		const struct pf_wproc *p = &w->procs[i];
		char libs[160] = "";

		for (int k = 0; k < PF_NLIBS; k++)
			if (p->libs & (1u << k))
				snprintf(libs + strlen(libs), sizeof(libs) - strlen(libs), "%s%s", libs[0] ? "," : "",
					 pf_wlib_names[k]);
		pf_buf_printf(&b, "%.3f\t%d\t%d\t%s\t%c\t%s\t%.2f\t%d\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%s\n",
			      p->t, (int)p->pid, (int)p->ppid, p->comm, p->state, p->wchan[0] ? p->wchan : "-",
			      p->cpu_s, p->threads, p->running, p->minflt, p->majflt, p->nvcsw, p->rss,
			      p->private_dirty, p->shared_dirty, p->max_anon, p->read_bytes, libs[0] ? libs : "-");
	}
	path = pf_xasprintf("%s/processes.tsv", dir);
	rc |= pf_write_atomic(path, b.data, b.len);
	free(path);

	b.len = 0;
	pf_buf_puts(&b, "path\tbytes\tfirst_s\tlast_s\tmax_mappers\tjoblib\n");
	for (size_t i = 0; i < w->nfiles; i++)
		pf_buf_printf(&b, "%s\t%.0f\t%.3f\t%.3f\t%d\t%d\n", w->files[i].path, w->files[i].size,
			      w->files[i].first, w->files[i].last, w->files[i].max_mappers, w->files[i].joblib);
	path = pf_xasprintf("%s/files.tsv", dir);
	rc |= pf_write_atomic(path, b.data, b.len);
	free(path);

	b.len = 0;
	pf_buf_puts(&b, "t\tdetector\tcase\tseverity\tsummary\n");
	for (int i = 0; i < nf; i++)
		pf_buf_printf(&b, "%.3f\t%s\t%s\t%s\t%s\n", fs[i].t, fs[i].d->name, fs[i].d->case_name,
			      pf_severity_name(fs[i].severity), fs[i].summary);
	path = pf_xasprintf("%s/findings.tsv", dir);
	rc |= pf_write_atomic(path, b.data, b.len);
	free(path);
	free(b.data);
	return rc;
}

/* ---- the run ---- */

/* The command's environment (in the child only: what the watcher runs after
 * the command, like machine.json's numpy probe, gets neither hook). */
static void setup_env(const struct watch_opts *o, const char *events)
{
	char *dir = pf_xasprintf("%s/cases/python/pitfalls_watch", pf_home()), hook[1100];

	setenv("PITFALLS_WATCH_EVENTS", events, 1);
	if (o->preload && pf_exe_sibling("libpitfalls-preload.so", hook, sizeof(hook)) == 0) {
		/* after the program's own preloads (jemalloc …): ours wraps no allocator */
		pf_setenv_list("LD_PRELOAD", hook, false);
#if defined(__SANITIZE_ADDRESS__)
		/* an ASan-built command (pitfalls run-variant) must find its
		 * runtime first in the list; the hook has no ASan in it */
		pf_setenv_list("ASAN_OPTIONS", "verify_asan_link_order=0", false);
#endif
	}
	if (o->python_hook && access(dir, R_OK) == 0)
		pf_setenv_list("PYTHONPATH", dir, true);
	free(dir);
}

static void __attribute__((noreturn)) child_exec(const struct watch_opts *o, hwloc_bitmap_t cpus, int go_fd,
						 int logfd, bool private_shm, bool userns, double rlimit_as,
						 const char *events)
{
	char c, err[512];

	(void)setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (read(go_fd, &c, 1) != 1)
		_exit(127);
	close(go_fd);
	if (private_shm && pf_enter_private_shm(o->shm_size, userns, err, sizeof(err)) < 0) {
		fprintf(stderr, "pitfalls watch: private /dev/shm: %s\n", err);
		_exit(127);
	}
	if (rlimit_as > 0) {
		struct rlimit rl = { (rlim_t)rlimit_as, (rlim_t)rlimit_as };

		(void)setrlimit(RLIMIT_AS, &rl);
	}
	if (cpus && hwloc_set_cpubind(pf_topo(), cpus, HWLOC_CPUBIND_PROCESS) < 0) {
		fprintf(stderr, "pitfalls watch: hwloc_set_cpubind(%s, PROCESS) failed: %s\n", o->cpus, strerror(errno));
		_exit(127);
	}
	if (logfd >= 0) {
		dup2(logfd, 1);
		dup2(logfd, 2);
	}
	setup_env(o, events);
	execvp(o->argv[0], o->argv);
	fprintf(stderr, "pitfalls watch: %s: %s\n", o->argv[0], strerror(errno));
	_exit(127);
}

static char *join_command(char **argv)
{
	struct pf_buf b = { 0 };

	for (int i = 0; argv[i]; i++) {
		bool quote = strpbrk(argv[i], " \t\"'$") != NULL || !argv[i][0];

		if (i)
			pf_buf_putc(&b, ' ');
		pf_buf_printf(&b, quote ? "'%s'" : "%s", argv[i]);
	}
	return b.data ? b.data : pf_xstrdup("");
}

int pf_cmd_watch(int argc, char **argv)
{
	struct watch_opts o;
	struct pf_watch w = { .exit_code = 0, .shm_free = -1 };
	double deep_minflt = -1;	/* the tree's minor faults at the last deep sample */
	struct pf_cgroup cg = { .kind = PF_CG_NONE };
	struct pf_counters pc;
	struct deep_state ds = { .w = &w, .ifd = -1, .shm_wd = -1 };
	struct pf_finding *fs = NULL;
	const struct pf_containment *cp = NULL;
	struct pf_profile *prof = NULL;
	struct pf_tree_memo *memo = NULL;
	struct pf_json *machine = NULL;
	hwloc_bitmap_t cpus = NULL;
	int rc = parse_opts(argc, argv, &o), go[2] = { -1, -1 }, logfd = -1, status = 0, nf = 0;
	char err[512], *rundir = NULL, *dir = NULL, *events = NULL, *path, *outdir = NULL;
	double t0, next_sample, next_deep, rlimit_as = 0, cpu_t0;
	struct sigaction sa = { .sa_handler = on_stop };
	struct rusage ru = { 0 };
	size_t cap = 0;
	pid_t child;

	if (rc >= 0)
		return rc;
	if (pf_topo_init() < 0)
		return 1;
	if (o.cpus) {
		cpus = hwloc_bitmap_alloc();
		if (pf_topo_cpuset(o.cpus, cpus, err, sizeof(err)) < 0) {
			hwloc_bitmap_free(cpus);
			return pf_usage_error("watch: --cpus %s: %s", o.cpus, err);
		}
	}
	w.ncores = pf_topo_ncores(pf_topo(), cpus ? cpus : hwloc_topology_get_allowed_cpuset(pf_topo()));
	w.mem_total = pf_meminfo("MemTotal:");
	w.mem_limit = o.mem_limit;
	w.shm_size = o.shm_size;
	if (o.mem_limit > 0 || o.shm_size > 0)
		cp = pf_contain_probe();
	if (o.shm_size > 0 && !cp->mount_ns) {
		fprintf(stderr, "pitfalls: watch --shm-size: no private /dev/shm for this user: %s\n", cp->mount_why);
		rc = 2;
		goto out;
	}
	w.command = join_command(o.argv);

	/* the run directory, like `pitfalls run` */
	{
		char *out = o.out ? pf_xstrdup(o.out) : pf_xasprintf("%s/results", pf_home());

		rundir = pf_mkdir_p(out) == 0 ? pf_make_run_dir(out) : NULL;
		if (!rundir) {
			fprintf(stderr, "pitfalls: watch: --out %s: cannot create a run directory: %s\n", out, strerror(errno));
			free(out);
			rc = 2;
			goto out;
		}
		dir = pf_xasprintf("%s/watch", rundir);
		if (pf_mkdir_p(dir) < 0) {
			fprintf(stderr, "pitfalls: watch: mkdir %s: %s\n", dir, strerror(errno));
			free(out);
			rc = 2;
			goto out;
		}
		/* the machine as the command starts; numpy's BLAS (a python3
		 * start-up, ~0.3 s) once it has ended: the command is not kept
		 * waiting, nor shares the cores with the probe */
		machine = pf_machine_json_now();
		outdir = out;
	}
	if (o.mem_limit > 0) {
		char name[128];

		snprintf(name, sizeof(name), "%d.watch", (int)getpid());
		if (cp->cg == PF_CG_NONE || pf_cg_create(&cg, name, o.mem_limit, err, sizeof(err)) < 0) {
			/* no memory cgroup: an address-space rlimit is the only fence left */
			fprintf(stderr, "pitfalls: watch: no memory cgroup (%s): RLIMIT_AS at 2x --mem-limit instead\n",
				cp->cg == PF_CG_NONE ? cp->cg_why : err);
			rlimit_as = 2 * o.mem_limit;
		}
	}
	events = pf_xasprintf("%s/python.events.tsv", dir);
	path = pf_xasprintf("%s/command.log", dir);
	logfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(path);
	if (logfd < 0 || pipe2(go, O_CLOEXEC) < 0) {
		fprintf(stderr, "pitfalls: watch: log/pipe: %s\n", strerror(errno));
		rc = 2;
		goto out;
	}
	if (!o.json)
		fprintf(stderr, "pitfalls watch: %s (log: %s/command.log)\n", w.command, dir);
	snapshot_shm();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fflush(NULL);
	child = fork();
	if (child < 0) {
		fprintf(stderr, "pitfalls: watch: fork: %s\n", strerror(errno));
		rc = 2;
		goto out;
	}
	if (child == 0) {
		close(go[1]);
		child_exec(&o, cpus, go[0], logfd, o.shm_size > 0,
			   cp && cp->via_userns, rlimit_as, events);
	}
	(void)setpgid(child, child);
	close(go[0]);
	go[0] = -1;
	ds.leader = child;
	ds.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);	/* none: the deep samples' listings only */
	add_root(&ds, "/tmp");
	if (o.shm_size > 0)
		snprintf(ds.shm_dir, sizeof(ds.shm_dir), "private");
	if (cg.kind != PF_CG_NONE && pf_cg_attach(&cg, child) < 0)
		fprintf(stderr, "pitfalls: watch: could not attach to the memory cgroup\n");
	pf_counters_open(&pc, child);
	pf_counters_enable(&pc);
	if (o.profile) {
		/* before the child is released: sampled from its first instruction */
		prof = pf_profile_start(child, PF_PROFILE_HZ, err, sizeof(err));
		if (!prof)
			fprintf(stderr, "pitfalls: watch --profile: no call stacks: %s\n", err);
	}
	t0 = pf_now();
	if (write(go[1], "g", 1) != 1)
		kill(child, SIGKILL);
	close(go[1]);
	go[1] = -1;
	next_sample = next_deep = t0;
	cpu_t0 = pf_thread_cpu();
	memo = pf_tree_memo_new();	/* members, open files and breakdowns between samples */
	ds.memo = memo;

	for (;;) {
		double now = pf_now(), wait_s;
		double period = now - t0 < WATCH_EARLY_S ? o.interval / WATCH_EARLY_DIV : o.interval;
		int last_running = 0;
		pid_t r;

		if (now >= next_sample) {
			struct pf_wsample *x;
			double c0 = pf_thread_cpu(), vals[PF_NCOUNTERS];
			bool sup[PF_NCOUNTERS];

			if (w.nsamples == cap) {
				cap = cap ? 2 * cap : 1024;
				w.samples = pf_xrealloc(w.samples, cap * sizeof(*w.samples));
			}
			x = &w.samples[w.nsamples++];
			/* PSS: from the deep sample's smaps_rollup (it reads them anyway) */
			pf_sample_take(&x->s, child, cg.kind != PF_CG_NONE ? &cg : NULL, false, o.shm_size > 0, memo);
			x->s.t = now - t0;
			pf_counters_read(&pc, vals, sup);
			w.cost_fast += pf_thread_cpu() - c0;
			x->faults_minor = sup[PF_C_FAULTS_MINOR] ? vals[PF_C_FAULTS_MINOR] : deep_minflt;
			x->faults_major = sup[PF_C_FAULTS_MAJOR] ? vals[PF_C_FAULTS_MAJOR] : -1;
			x->ctx_switches = sup[PF_C_CTX_SWITCHES] ? vals[PF_C_CTX_SWITCHES] : -1;
			x->task_clock = sup[PF_C_TASK_CLOCK] ? vals[PF_C_TASK_CLOCK] : -1;
			if (now >= next_deep) {
				size_t first = w.nprocs;

				c0 = pf_thread_cpu();
				deep_sample(&ds, cg.kind != PF_CG_NONE ? &cg : NULL, now - t0);
				w.cost_deep += pf_thread_cpu() - c0;
				next_deep = now + fmax(period, WATCH_DEEP_COST_SHARE * (pf_thread_cpu() - c0));
				x->s.pss = 0;
				for (size_t i = first; i < w.nprocs; i++) {
					last_running += w.procs[i].running;
					x->s.pss += w.procs[i].pss;
				}
				x->running = last_running;
				/* without the perf counter (unprivileged, perf_event_paranoid 2):
				 * the tree's minor faults from /proc/<pid>/stat, at the deep rate;
				 * a process's own and its reaped children's (cminflt: a worker
				 * that lived between two samples is counted once its parent has
				 * waited for it) */
				deep_minflt = 0;
				for (size_t i = first; i < w.nprocs; i++)
					deep_minflt += w.procs[i].minflt + w.procs[i].cminflt;
				if (!sup[PF_C_FAULTS_MINOR])
					x->faults_minor = deep_minflt;
			} else {
				x->running = w.nsamples > 1 ? w.samples[w.nsamples - 2].running : 0;
			}
			next_sample += period;
			if (next_sample < now)
				next_sample = now + period;
		}
		r = wait4(child, &status, WNOHANG, &ru);
		if (r == child)
			break;
		if (stop_sig || (o.timeout > 0 && pf_now() - t0 > o.timeout)) {
			w.timed_out = !stop_sig;
			kill(-child, SIGKILL);
			pf_cg_kill_all(&cg);
			while (wait4(child, &status, 0, &ru) < 0 && errno == EINTR)
				;
			break;
		}
		if (prof)
			pf_profile_poll(prof);
		/* a deep sample is taken with a fast one (the first due after
		 * next_deep): waking at next_deep itself would find nothing to do
		 * and spin until next_sample */
		wait_s = next_sample - pf_now();
		if (prof)	/* the ring buffers are drained every few ms */
			wait_s = fmin(wait_s, WATCH_PROFILE_POLL_S);
		if (wait_s > 0) {
			/* asleep until the next sample, or until a watched folder changes */
			struct timespec ts = { (time_t)wait_s, (long)((wait_s - floor(wait_s)) * 1e9) };
			struct pollfd pfd = { .fd = ds.ifd, .events = POLLIN };

			if (ppoll(&pfd, 1, &ts, NULL) > 0)
				file_events(&ds, pf_now() - t0);
		}
	}
	file_events(&ds, pf_now() - t0);
	w.wall = pf_now() - t0;
	w.cost_all = pf_thread_cpu() - cpu_t0;
	w.ru_majflt = (double)ru.ru_majflt;
	w.ru_inblock_bytes = (double)ru.ru_inblock * 512.0;
	/* nothing of the command outlives it */
	kill(-child, SIGKILL);
	pf_cg_kill_all(&cg);
	pf_counters_read(&pc, w.counters, w.supported);
	pf_counters_close(&pc);
	if (o.python_hook)
		pf_machine_json_python(machine);
	else	/* the user kept Python out of it */
		pf_json_set_str(pf_json_get(machine, "libraries"), "numpy_blas", "not probed (--no-python-hook)");
	path = pf_xasprintf("%s/machine.json", rundir);
	if (pf_json_save(path, machine) < 0)
		fprintf(stderr, "pitfalls: watch: write %s: %s\n", path, strerror(errno));
	free(path);
	w.prof_fault_share = w.prof_madv_share = NAN;
	if (prof && pf_profile_stop(prof, dir, "command", w.command, NULL) < 0)
		fprintf(stderr, "pitfalls: watch --profile: writing the flame graph in %s failed\n", dir);
	else if (prof) {
		/* the stacks as evidence: the detectors may cite the fault tower */
		struct pf_folded fo = { 0 };
		char *fp = pf_xasprintf("%s/command.folded", dir), ferr[256];
		double ksh;

		if (pf_folded_load(fp, &fo, ferr, sizeof(ferr)) == 0)
			pf_profile_shares(&fo, pf_folded_kernel_share(&fo) > 0, &w.prof_fault_share,
					  &w.prof_madv_share, &ksh);
		pf_folded_free(&fo);
		free(fp);
	}

	w.oom_kills = cg.kind != PF_CG_NONE ? pf_cg_oom_kills(&cg) : -1;
	if (w.timed_out) {
		w.outcome = PF_OUT_TIMEOUT;
	} else if (stop_sig) {
		w.outcome = PF_OUT_SIGNAL;
		w.signal = stop_sig;
	} else if (WIFSIGNALED(status)) {
		w.signal = WTERMSIG(status);
		w.outcome = w.signal == SIGKILL && w.oom_kills > 0 ? PF_OUT_OOM : PF_OUT_SIGNAL;
	} else {
		w.exit_code = WEXITSTATUS(status);
		w.outcome = w.exit_code ? PF_OUT_FAILED : PF_OUT_OK;
		if (w.exit_code && w.oom_kills > 0)
			w.outcome = PF_OUT_OOM;
	}
	read_events(&w, events, t0);
	path = pf_xasprintf("%s/command.log", dir);
	w.log = pf_read_file(path, NULL);
	free(path);
	if (w.log && strlen(w.log) > WATCH_LOG_MAX)
		w.log[WATCH_LOG_MAX] = 0;

	/* the detectors */
	fs = pf_xcalloc(pf_ndetectors, sizeof(*fs));
	for (size_t k = 0; k < pf_ndetectors; k++) {
		memset(&fs[nf], 0, sizeof(fs[nf]));
		fs[nf].d = pf_detectors[k];
		if (pf_detectors[k]->detect(&w, &fs[nf]))
			nf++;
	}
	{
		struct pf_json *j = watch_json(&w, fs, nf, rundir);
		char *s;

		path = pf_xasprintf("%s/watch.json", dir);
		if (pf_json_save(path, j) < 0 || write_files(&w, fs, nf, dir) < 0)
			fprintf(stderr, "pitfalls: watch: writing %s: %s\n", dir, strerror(errno));
		free(path);
		(void)pf_set_latest(outdir, rundir);
		if (pf_plot_case(rundir, "watch", err, sizeof(err)) < 0 && !o.json)
			fprintf(stderr, "pitfalls: watch: plot: %s\n", err);
		if (pf_write_report_html(rundir, err, sizeof(err)) < 0)
			fprintf(stderr, "pitfalls: watch: report.html: %s\n", err);
		if (o.json) {
			s = pf_json_dump(j);
			fputs(s, stdout);
			fputc('\n', stdout);
			free(s);
		} else {
			print_table(&w, fs, nf, rundir);
		}
		pf_json_free(j);
	}
	if (w.timed_out)
		rc = 124;
	else if (w.outcome == PF_OUT_SIGNAL || w.outcome == PF_OUT_OOM)
		rc = 128 + w.signal;
	else
		rc = w.exit_code;
	if (o.fail_on_findings)
		for (int i = 0; i < nf; i++)
			if (fs[i].severity >= PF_SEV_MEDIUM)
				rc = 1;
out:
	if (go[0] >= 0)
		close(go[0]);
	if (go[1] >= 0)
		close(go[1]);
	if (logfd >= 0)
		close(logfd);
	pf_cg_destroy(&cg);
	if (cpus)
		hwloc_bitmap_free(cpus);
	for (size_t i = 0; i < nshm_before; i++)
		free(shm_before[i]);
	free(shm_before);
	free(fs);
	free(w.samples);
	pf_tree_memo_free(memo);
	pf_json_free(machine);
	for (int i = 0; i < 16; i++)
		free(ds.roots[i].sub);
	if (ds.ifd >= 0)
		close(ds.ifd);
	free(w.procs);
	free(w.files);
	free(w.events);
	free(w.log);
	free((char *)w.command);
	free(events);
	free(dir);
	free(rundir);
	free(outdir);
	return rc;
}

/* ---- `pitfalls run-variant CASE/VARIANT`: one variant without the runner ---- */

static const char *const help_run_variant =
	"usage: pitfalls run-variant CASE/VARIANT [--scale S] [--set CASE.P=VALUE]... [--reps N]\n"
	"       [--needs]\n"
	"\n"
	"Runs one variant of the suite as a plain program (no sampler, no cgroup; a\n"
	"private /dev/shm where one can be had; its report lines on stderr), exit\n"
	"status the variant's: 0, 1 failed, 77 skipped.  For `pitfalls watch -- pitfalls\n"
	"run-variant CASE/VARIANT` (watch's confusion matrix).  --needs prints the watch\n"
	"options giving the case its memory limit (--mem-limit SIZE) and exits.  --set\n"
	"overrides one of the case's parameters and --reps the repetitions (default: the\n"
	"scale's), as for `pitfalls run`.\n";

/* o: the caller's options (it frees o->sets) */
static int run_variant(int argc, char **argv, struct pf_options *o)
{
	const struct pf_case *c = NULL;
	const struct pf_variant *v = NULL;
	struct pf_ctx ctx = { .fd = 2 };
	double *params;
	int status = 0;
	bool needs = false;
	pid_t pid;

	for (int i = 1; i < argc; i++) {
		const char *val;
		int t;

		if (pf_is_help(argv[i])) {
			fputs(help_run_variant, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--needs")) {
			needs = true;
		} else if ((t = pf_take_value(argc, argv, &i, "--scale", &val))) {
			if (t < 0)
				return 2;
			if (pf_parse_scale(val, &o->scale) < 0)
				return pf_usage_error("run-variant: unknown scale '%s'", val);
		} else if ((t = pf_take_value(argc, argv, &i, "--reps", &val))) {
			if (t < 0 || pf_parse_reps(val, &o->reps))
				return 2;
		} else if ((t = pf_take_value(argc, argv, &i, "--set", &val))) {
			if (t < 0 || pf_parse_set(val, o))
				return 2;
		} else if (argv[i][0] == '-' || c) {
			return pf_usage_error("run-variant: unexpected argument '%s'", argv[i]);
		} else {
			char name[128], *slash;

			snprintf(name, sizeof(name), "%s", argv[i]);
			slash = strchr(name, '/');
			if (!slash)
				return pf_usage_error("run-variant: want CASE/VARIANT, got '%s'", argv[i]);
			*slash = 0;
			if (!(c = pf_find_case(name)))
				return pf_unknown_case(name);
			if (!(v = pf_find_variant(c, slash + 1)))
				return pf_unknown_variant(c, slash + 1);
		}
	}
	if (!c)
		return pf_usage_error("run-variant: no CASE/VARIANT");
	for (size_t i = 0; i < o->nsets; i++)
		if (o->sets[i].c != c)
			return pf_usage_error("run-variant: --set %s.%s: not a parameter of %s", o->sets[i].c->name,
					      o->sets[i].c->params[o->sets[i].param].name, c->name);
	if (pf_topo_init() < 0)
		return 1;
	params = pf_xcalloc(pf_nparams(c) + 1, sizeof(double));
	pf_case_params(c, o, params);
	ctx.mem_limit = pf_variant_mem_limit(c, v, params);	/* as `pitfalls run` gives it */
	if (needs) {
		if (ctx.mem_limit > 0)
			printf("--mem-limit %.0f\n", ctx.mem_limit);
		free(params);
		return 0;
	}
	{
		/* every variant gets a private /dev/shm where one can be had, as under
		 * `pitfalls run` (a runtime killed at watch's timeout, LLVM libomp's
		 * __KMP_REGISTERED_LIB_*, must leave nothing in the host's); the case's
		 * size, or 256 MiB.  In this process (the watched leader): watch sees it. */
		const struct pf_containment *cp = pf_contain_probe();
		double size = c->needs.tmpfs_size ? params[pf_param_index(c, c->needs.tmpfs_size)] : 256.0 * PF_MiB;
		char err[512];

		if (!cp->mount_ns || pf_enter_private_shm(size, cp->via_userns, err, sizeof(err)) < 0) {
			if (c->needs.tmpfs_size) {
				fprintf(stderr, "S\tneeds a private /dev/shm: %s\n", cp->mount_ns ? err : cp->mount_why);
				free(params);
				return PF_SKIPPED;
			}
		} else {
			snprintf(ctx.shm, sizeof(ctx.shm), "/dev/shm");
			ctx.private_shm = true;
		}
	}
	ctx.c = c;
	ctx.v = v;
	ctx.scale = o->scale;
	ctx.reps = o->reps > 0 ? o->reps : pf_reps_for(o->scale);
	ctx.params = params;
	ctx.cpus = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(pf_topo()));
	/* named like the runner's scratch directories: stale cleanup knows them */
	snprintf(ctx.workdir, sizeof(ctx.workdir), "/tmp/pitfalls-%d-%s-%s", (int)getpid(), c->name, v->name);
	snprintf(ctx.outdir, sizeof(ctx.outdir), "%s", ctx.workdir);
	if (pf_mkdir_p(ctx.workdir) < 0) {
		fprintf(stderr, "pitfalls: run-variant: mkdir %s: %s\n", ctx.workdir, strerror(errno));
		return 1;
	}
	/* where joblib (and the C variants modelling it) put their folders */
	setenv("JOBLIB_TEMP_FOLDER", ctx.workdir, 1);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		pf_child_exit(pf_variant_body(&ctx));
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	(void)pf_rm_rf(ctx.workdir);
	hwloc_bitmap_free(ctx.cpus);
	free(params);
	if (pid < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int pf_cmd_run_variant(int argc, char **argv)
{
	struct pf_options o = { .scale = PF_SMOKE };
	int rc = run_variant(argc, argv, &o);

	free(o.sets);
	return rc;
}
