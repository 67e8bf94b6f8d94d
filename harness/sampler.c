/* sampler.c — one sample of the timeline: the process tree's RSS and PSS, its
 * cgroup's usage split, its private /dev/shm, and the system's memory. */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

int pf_tree_pids(pid_t leader, const struct pf_cgroup *cg, pid_t *pids, int max)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (cg && cg->kind != PF_CG_NONE) {
		n = pf_cg_pids(cg, pids, max);
		if (n >= 0)
			return n;
		n = 0;
	}
	d = opendir("/proc");
	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char path[300], *s, *p;
		long pgrp;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		s = pf_read_file(path, NULL);
		if (!s)
			continue;
		p = strrchr(s, ')');
		/* ") S ppid pgrp" */
		if (p && sscanf(p + 2, "%*c %*d %ld", &pgrp) == 1 && pgrp == leader)
			pids[n++] = (pid_t)strtol(e->d_name, NULL, 10);
		free(s);
	}
	closedir(d);
	return n;
}

double pf_proc_cpu_s(pid_t pid)
{
	static double hz;
	char path[64], buf[1024], *p;
	unsigned long ut, st;

	if (!hz)
		hz = (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pf_cache_pread(NULL, path, buf, sizeof(buf)) < 0)
		return -1;
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2 || !(hz > 0))
		return -1;
	return (double)(ut + st) / hz;
}

/* The leader and its descendants through /proc/<pid>/task/<tid>/children:
 * the cost grows with the tree, not with the machine's processes.  -1 when
 * the kernel has no children files (CONFIG_PROC_CHILDREN). */
int pf_tree_walk(pid_t leader, pid_t *pids, int max)
{
	static int have = -1;
	int n = 0;

	if (have < 0) {
		char self[96];

		snprintf(self, sizeof(self), "/proc/self/task/%d/children", (int)gettid());
		have = access(self, R_OK) == 0;
	}
	if (!have)
		return -1;
	if (max < 1)
		return 0;
	pids[n++] = leader;
	for (int i = 0; i < n && n < max; i++) {
		char path[96];
		DIR *d;
		struct dirent *e;

		snprintf(path, sizeof(path), "/proc/%d/task", (int)pids[i]);
		if (!(d = opendir(path)))
			continue;
		while ((e = readdir(d)) && n < max) {
			char *s, *p, *end;

			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%.20s/children", (int)pids[i], e->d_name);
			if (!(s = pf_read_file(path, NULL)))
				continue;	/* the thread or the process has exited */
			for (p = s; n < max; p = end) {
				long c = strtol(p, &end, 10);

				if (end == p)
					break;
				pids[n++] = (pid_t)c;
			}
			free(s);
		}
		closedir(d);
	}
	return n;
}

struct pf_tree_memo *pf_tree_memo_new(void)
{
	return pf_xcalloc(1, sizeof(struct pf_tree_memo));
}

void pf_tree_memo_free(struct pf_tree_memo *m)
{
	if (!m)
		return;
	pf_cache_close(&m->files);
	if (m->shm_fd > 0)
		close(m->shm_fd);
	free(m);
}

/* Has the child mounted its private /dev/shm yet?  It unshares its mount
 * namespace after "go" and then mounts a tmpfs; until the mount, its
 * /dev/shm is the host's (another tenant's files), the same filesystem as
 * ours.  A new namespace alone is not enough: between the unshare and the
 * mount it still shows the host's directory, and a descriptor opened then
 * would keep reading the host's tmpfs for the rest of the run. */
static bool private_shm_mounted(const char *path)
{
	struct stat ours, theirs;

	if (stat(path, &theirs) < 0)
		return false;
	return stat("/dev/shm", &ours) < 0 || ours.st_dev != theirs.st_dev;
}

static double meminfo_field(const char *text, const char *field)
{
	const char *p = strstr(text, field);

	if (!p)
		return -1;
	return strtod(p + strlen(field) + 1, NULL) * 1024.0;
}

double pf_meminfo(const char *field)
{
	double kb = pf_read_keyed("/proc/meminfo", field);

	return kb < 0 ? -1 : kb * 1024.0;
}

/* Without a cgroup: the leader's descendants and the process group of the
 * last /proc scan (at 1/PF_SCAN_SPACING of a core). */
static int walk_and_group(pid_t leader, struct pf_tree_memo *memo, pid_t *pids, int max)
{
	const int gcap = (int)(sizeof(memo->group) / sizeof(memo->group[0]));
	int n = pf_tree_walk(leader, pids, max);
	double t0;

	if (n < 0)	/* no children files: the scan at every refresh */
		return pf_tree_pids(leader, NULL, pids, max);
	t0 = pf_now();
	if (memo->next_group == 0)	/* at the start every member is a descendant */
		memo->next_group = t0 + PF_SCAN_FIRST_S;
	if (t0 >= memo->next_group) {
		memo->ngroup = pf_tree_pids(leader, NULL, memo->group, gcap);
		memo->next_group = t0 + PF_SCAN_SPACING * (pf_now() - t0);
	}
	for (int i = 0; i < memo->ngroup && n < max; i++) {
		bool seen = false;

		for (int k = 0; k < n && !seen; k++)
			seen = pids[k] == memo->group[i];
		if (!seen)
			pids[n++] = memo->group[i];
	}
	return n;
}

/* The last pid this pid namespace handed out (/proc/loadavg's last field):
 * a process or thread created anywhere below it moves it.  0 if unreadable. */
static long last_pid(struct pf_tree_memo *memo)
{
	char buf[128], *p;

	if (pf_cache_pread(&memo->files, "/proc/loadavg", buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ' ')))
		return 0;
	return strtol(p + 1, NULL, 10);
}

int pf_tree_members(pid_t leader, const struct pf_cgroup *cg, struct pf_tree_memo *memo, bool fresh, pid_t *pids,
		    int max)
{
	const int cap = (int)(sizeof(memo->pids) / sizeof(memo->pids[0]));
	double t0 = pf_now();
	long lp = 0;
	int n;

	if (!memo)
		return pf_tree_pids(leader, cg, pids, max);
	/* nothing was created since the last list: no one joined (without a
	 * cgroup, unless the process group's scan is due: it finds the orphans
	 * of earlier processes) */
	if (!fresh && memo->n > 0 && t0 >= memo->next_scan &&
	    ((cg && cg->kind != PF_CG_NONE) || t0 < memo->next_group) && (lp = last_pid(memo)) != 0 &&
	    lp == memo->last_pid)
		memo->next_scan = t0 + PF_MEMO_REFRESH_S;
	if (!fresh && t0 < memo->next_scan && memo->n > 0) {
		n = memo->n < max ? memo->n : max;
		memcpy(pids, memo->pids, (size_t)n * sizeof(*pids));
		return n;
	}
	/* read before the list: a process created while it is read moves it again */
	memo->last_pid = lp ? lp : last_pid(memo);
	n = cg && cg->kind != PF_CG_NONE ? pf_tree_pids(leader, cg, pids, max) : walk_and_group(leader, memo, pids, max);
	memo->n = n < cap ? n : cap;
	memcpy(memo->pids, pids, (size_t)memo->n * sizeof(*pids));
	memo->next_scan = t0 + PF_MEMO_REFRESH_S;
	return n;
}

/* A file of the slow reads (memory.stat, meminfo) in one pread into buf,
 * or NULL: no mallocs and no second read for EOF in the sampler's loop. */
static const char *slow_read(struct pf_tree_memo *memo, const char *path, char *buf, size_t len)
{
	return pf_cache_pread(memo ? &memo->files : NULL, path, buf, len) < 0 ? NULL : buf;
}

/* What the next fast sample decides from: this sample's RSS and cgroup
 * usage, and whether the usage moved since the last one (cg_moving is read
 * only where there is a cgroup). */
static void note_moves(struct pf_tree_memo *memo, const struct pf_sample *s)
{
	memo->cg_moving = fabs(s->cg_usage - memo->cg_usage) > PF_CG_STILL;
	memo->cg_usage = s->cg_usage;
	memo->rss = s->rss;
}

void pf_sample_take(struct pf_sample *s, pid_t leader, const struct pf_cgroup *cg,
		    bool with_pss, enum pf_shm_rate shm, struct pf_tree_memo *memo)
{
	static long page;
	pid_t pids[4096];
	int n = pf_tree_members(leader, cg, memo, false, pids, 4096);
	char path[96], text[8192];
	const char *mi;
	bool slow;

	if (!page)
		page = sysconf(_SC_PAGESIZE);
	s->rss = 0;
	s->pss = with_pss ? 0 : -1;
	s->nprocs = 0;		/* the members alive now */
	for (int i = 0; i < n; i++) {
		char buf[256];

		snprintf(path, sizeof(path), "/proc/%d/statm", (int)pids[i]);
		if (pf_cache_pread(memo ? &memo->files : NULL, path, buf, sizeof(buf)) < 0)
			continue;	/* exited since the list was made */
		s->nprocs++;
		{	/* "size resident ...": no sscanf in the hot path */
			char *p, *end;
			unsigned long res;

			(void)strtoul(buf, &p, 10);
			res = strtoul(p, &end, 10);
			if (end != p)
				s->rss += (double)res * (double)page;
		}
		if (with_pss) {
			double pss;

			snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pids[i]);
			pss = pf_read_keyed(path, "Pss:");
			if (pss > 0)
				s->pss += pss * 1024.0;
		}
	}
	slow = !memo || pf_now() >= memo->next_slow;
	if (!slow) {	/* the slow columns, carried from the last slow sample */
		/* the cgroup's usage while it or the RSS moves (its breakdown is slow) */
		if (cg && (memo->cg_moving || fabs(s->rss - memo->rss) > PF_CG_STILL))
			pf_cg_sample(cg, &memo->files, &s->cg_usage, NULL, NULL, NULL);
		else
			s->cg_usage = cg ? memo->cg_usage : -1;
		note_moves(memo, s);
		s->cg_anon = memo->cg_anon;
		s->cg_file = memo->cg_file;
		s->cg_shmem = memo->cg_shmem;
		s->mem_available = memo->mem_available;
		s->cached = memo->cached;
		s->shmem = memo->shmem;
		s->dirty = memo->dirty;
		s->shm_used = memo->shm_used;
		if (shm != PF_SHM_EACH)
			return;
	} else if (cg) {
		pf_cg_sample(cg, memo ? &memo->files : NULL, &s->cg_usage, &s->cg_anon, &s->cg_file, &s->cg_shmem);
	} else {
		s->cg_usage = s->cg_anon = s->cg_file = s->cg_shmem = -1;
	}
	s->shm_used = -1;
	/* until the tree has mounted its own tmpfs its /dev/shm is the host's;
	 * once the directory is open, it is the tree's for good */
	snprintf(path, sizeof(path), "/proc/%d/root/dev/shm", (int)leader);
	if (shm != PF_SHM_NO && !(memo && memo->shm_fd > 0) && !private_shm_mounted(path))
		shm = PF_SHM_NO;
	if (shm != PF_SHM_NO) {
		struct statvfs vfs;

		if (memo && memo->shm_fd == 0) {
			int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

			memo->shm_fd = fd > 0 ? fd : -1;
		}
		if (memo && memo->shm_fd > 0 ? fstatvfs(memo->shm_fd, &vfs) == 0 : statvfs(path, &vfs) == 0)
			s->shm_used = (double)(vfs.f_blocks - vfs.f_bfree) * (double)vfs.f_frsize;
	}
	if (memo)
		memo->shm_used = s->shm_used;
	if (!slow)
		return;
	mi = slow_read(memo, "/proc/meminfo", text, sizeof(text));
	s->mem_available = s->cached = s->shmem = s->dirty = -1;
	if (mi) {
		s->mem_available = meminfo_field(mi, "\nMemAvailable:");
		s->cached = meminfo_field(mi, "\nCached:");
		s->shmem = meminfo_field(mi, "\nShmem:");
		s->dirty = meminfo_field(mi, "\nDirty:");
	}
	if (memo) {
		memo->next_slow = pf_now() + PF_MEMO_REFRESH_S;
		note_moves(memo, s);
		memo->cg_anon = s->cg_anon;
		memo->cg_file = s->cg_file;
		memo->cg_shmem = s->cg_shmem;
		memo->mem_available = s->mem_available;
		memo->cached = s->cached;
		memo->shmem = s->shmem;
		memo->dirty = s->dirty;
	}
}
