/* contain.c — containment of a variant: a memory cgroup (v1 or v2, whichever
 * the machine mounts), a private /dev/shm in its own mount namespace, and the
 * removal of what a killed earlier run left behind. */
#define _GNU_SOURCE
#include "internal.h"
#include "json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CG_V1_ROOT "/sys/fs/cgroup/memory"
#define CG_V2_ROOT "/sys/fs/cgroup"
#define CG_DIR "pitfalls"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int e;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

enum pf_cg_kind pf_cg_detect(char *root, size_t len)
{
	char *ctl;
	enum pf_cg_kind k = PF_CG_NONE;

	if (access(CG_V1_ROOT "/memory.limit_in_bytes", F_OK) == 0) {
		snprintf(root, len, "%s/%s", CG_V1_ROOT, CG_DIR);
		return PF_CG_V1;
	}
	ctl = pf_read_file(CG_V2_ROOT "/cgroup.controllers", NULL);
	if (ctl && strstr(ctl, "memory")) {
		snprintf(root, len, "%s/%s", CG_V2_ROOT, CG_DIR);
		k = PF_CG_V2;
	}
	free(ctl);
	return k;
}

int pf_cg_create(struct pf_cgroup *cg, const char *name, double limit, char *err, size_t len)
{
	char root[256], path[600], num[64];

	memset(cg, 0, sizeof(*cg));
	cg->kind = pf_cg_detect(root, sizeof(root));
	if (cg->kind == PF_CG_NONE) {
		snprintf(err, len, "no memory cgroup controller mounted");
		return -1;
	}
	if (mkdir(root, 0755) < 0 && errno != EEXIST) {
		snprintf(err, len, "mkdir %s: %s", root, strerror(errno));
		cg->kind = PF_CG_NONE;
		return -1;
	}
	if (cg->kind == PF_CG_V2) {
		(void)write_str(CG_V2_ROOT "/cgroup.subtree_control", "+memory");
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
		(void)write_str(path, "+memory");
	}
	snprintf(cg->path, sizeof(cg->path), "%s/%s", root, name);
	if (mkdir(cg->path, 0755) < 0 && errno != EEXIST) {
		snprintf(err, len, "mkdir %s: %s", cg->path, strerror(errno));
		cg->kind = PF_CG_NONE;
		return -1;
	}
	cg->limit = limit;
	if (limit > 0) {
		snprintf(num, sizeof(num), "%.0f", limit);
		snprintf(path, sizeof(path), "%s/%s", cg->path,
			 cg->kind == PF_CG_V1 ? "memory.limit_in_bytes" : "memory.max");
		if (write_str(path, num) < 0) {
			snprintf(err, len, "write %s to %s: %s", num, path, strerror(errno));
			pf_cg_destroy(cg);
			return -1;
		}
		if (cg->kind == PF_CG_V2) {
			snprintf(path, sizeof(path), "%s/memory.swap.max", cg->path);
			(void)write_str(path, "0");
		}
	}
	return 0;
}

int pf_cg_attach(struct pf_cgroup *cg, pid_t pid)
{
	char path[600], num[32];

	if (cg->kind == PF_CG_NONE)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	snprintf(num, sizeof(num), "%d", (int)pid);
	return write_str(path, num);
}

/* The first number of a cgroup file, or -1; through a sampler's open files
 * when fc is not NULL. */
static double cg_file_num(const struct pf_cgroup *cg, struct pf_fdcache *fc, const char *file)
{
	char path[600], buf[64], *end;
	double d;

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	if (pf_cache_pread(fc, path, buf, sizeof(buf)) < 0)
		return -1;
	d = strtod(buf, &end);
	return end == buf ? -1 : d;
}

static double cg_keyed(const struct pf_cgroup *cg, const char *file, const char *key)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", cg->path, file);
	return pf_read_keyed(path, key);
}

/* usage alone when anon, file and shmem are NULL (memory.stat is the costly read) */
void pf_cg_sample(const struct pf_cgroup *cg, struct pf_fdcache *fc, double *usage, double *anon, double *file,
		  double *shmem)
{
	*usage = -1;
	if (!anon) {
		*usage = cg_file_num(cg, fc, cg->kind == PF_CG_V1 ? "memory.usage_in_bytes" : "memory.current");
		return;
	}
	*anon = *file = *shmem = -1;
	if (cg->kind == PF_CG_V1) {
		char path[600], text[8192];
		const char *s;

		*usage = cg_file_num(cg, fc, "memory.usage_in_bytes");
		snprintf(path, sizeof(path), "%s/memory.stat", cg->path);
		/* one pread into the stack (the sampler's loop: no malloc, no read for EOF) */
		s = pf_cache_pread(fc, path, text, sizeof(text)) < 0 ? NULL : text;
		if (s) {
			double cache = -1;

			for (const char *l = s; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
				if (!strncmp(l, "rss ", 4))
					*anon = strtod(l + 4, NULL);
				else if (!strncmp(l, "cache ", 6))
					cache = strtod(l + 6, NULL);
				else if (!strncmp(l, "shmem ", 6))
					*shmem = strtod(l + 6, NULL);
			}
			if (cache >= 0)
				*file = *shmem >= 0 ? cache - *shmem : cache;
		}
	} else if (cg->kind == PF_CG_V2) {
		*usage = cg_file_num(cg, fc, "memory.current");
		*anon = cg_keyed(cg, "memory.stat", "anon");
		*file = cg_keyed(cg, "memory.stat", "file");
		*shmem = cg_keyed(cg, "memory.stat", "shmem");
		if (*file >= 0 && *shmem >= 0)
			*file -= *shmem;
	}
}

double pf_cg_peak(const struct pf_cgroup *cg)
{
	if (cg->kind == PF_CG_V1)
		return cg_file_num(cg, NULL, "memory.max_usage_in_bytes");
	if (cg->kind == PF_CG_V2)
		return cg_file_num(cg, NULL, "memory.peak");
	return -1;
}

double pf_cg_oom_kills(const struct pf_cgroup *cg)
{
	if (cg->kind == PF_CG_V1)
		return cg_keyed(cg, "memory.oom_control", "oom_kill");
	if (cg->kind == PF_CG_V2)
		return cg_keyed(cg, "memory.events", "oom_kill");
	return -1;
}

int pf_cg_pids(const struct pf_cgroup *cg, pid_t *pids, int max)
{
	char path[600];
	char *s;
	int n = 0;

	if (cg->kind == PF_CG_NONE)
		return -1;
	/* opened afresh every time, never through a pf_fdcache: cgroup v1 builds
	 * the list once per open file and a re-read from offset 0 returns that
	 * same list (the pidlist lingers for a second), new members missing */
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->path);
	s = pf_read_file(path, NULL);
	if (!s)
		return -1;
	for (char *p = s; *p && n < max;) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		pids[n++] = (pid_t)v;
		p = end;
		while (*p == '\n')
			p++;
	}
	free(s);
	return n;
}

/* Is pid a member of cg, by its own /proc/<pid>/cgroup?  cgroup.procs alone
 * is not enough to kill by: a task that is exiting, or outside our pid
 * namespace, is listed as pid 0 — and kill(0, SIGKILL) is our own process
 * group (the runner, the shell, ctest…). */
bool pf_cg_member(const struct pf_cgroup *cg, pid_t pid)
{
	const char *mount = cg->kind == PF_CG_V1 ? CG_V1_ROOT : CG_V2_ROOT;
	const char *rel = cg->path + strlen(mount);
	char path[64], *s, *line;
	bool member = false;

	if (pid <= 1 || pid == getpid() || strncmp(cg->path, mount, strlen(mount)))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	s = pf_read_file(path, NULL);
	if (!s)
		return false;
	/* v1: "4:memory:/pitfalls/<name>"   v2: "0::/pitfalls/<name>" */
	for (line = s; line && *line && !member; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char *ctl = strchr(line, ':'), *cgp = ctl ? strchr(ctl + 1, ':') : NULL;
		size_t len;

		if (!cgp)
			continue;
		if (cg->kind == PF_CG_V1 ? strncmp(ctl + 1, "memory:", 7) : strncmp(ctl + 1, ":", 1))
			continue;
		cgp++;
		len = strcspn(cgp, "\n");
		member = len == strlen(rel) && !strncmp(cgp, rel, len);
	}
	free(s);
	return member;
}

void pf_cg_kill_all(const struct pf_cgroup *cg)
{
	char path[600];
	pid_t pids[4096];

	if (cg->kind == PF_CG_NONE)
		return;
	if (cg->kind == PF_CG_V2) {
		snprintf(path, sizeof(path), "%s/cgroup.kill", cg->path);
		if (write_str(path, "1") == 0)
			return;
	}
	for (int round = 0; round < 50; round++) {
		int n = pf_cg_pids(cg, pids, 4096), killed = 0;

		for (int i = 0; i < n; i++)
			if (pf_cg_member(cg, pids[i]) && kill(pids[i], SIGKILL) == 0)
				killed++;
		if (n <= 0 || !killed)
			return;
		(void)nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
}

void pf_cg_destroy(struct pf_cgroup *cg)
{
	if (cg->kind == PF_CG_NONE)
		return;
	pf_cg_kill_all(cg);
	for (int i = 0; i < 200; i++) {
		if (rmdir(cg->path) == 0 || errno == ENOENT)
			break;
		(void)nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	cg->kind = PF_CG_NONE;
}

static bool pid_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* Names carry the runner's pid ("<pid>.<case>.<variant>", "/tmp/pitfalls-<pid>-…");
 * whatever belongs to a runner that is gone is removed. */
void pf_stale_cleanup(void)
{
	char root[256];
	DIR *d;
	struct dirent *e;

	if (pf_cg_detect(root, sizeof(root)) != PF_CG_NONE && (d = opendir(root))) {
		while ((e = readdir(d))) {
			struct pf_cgroup cg = { .kind = PF_CG_NONE };

			if (e->d_name[0] == '.' || e->d_type != DT_DIR)
				continue;
			if (pid_alive(strtol(e->d_name, NULL, 10)) && strtol(e->d_name, NULL, 10) != getpid())
				continue;
			cg.kind = pf_cg_detect(root, sizeof(root));
			snprintf(cg.path, sizeof(cg.path), "%s/%s", root, e->d_name);
			pf_cg_destroy(&cg);
		}
		closedir(d);
	}
	if ((d = opendir("/tmp"))) {
		while ((e = readdir(d))) {
			char *path;

			if (strncmp(e->d_name, "pitfalls-", 9))
				continue;
			if (pid_alive(strtol(e->d_name + 9, NULL, 10)))
				continue;
			path = pf_xasprintf("/tmp/%s", e->d_name);
			(void)pf_rm_rf(path);
			free(path);
		}
		closedir(d);
	}
}

/* Enter a private mount namespace; as an unprivileged user (or root without
 * CAP_SYS_ADMIN, as in a container) through a new user namespace that maps
 * this user to itself. */
static int enter_mount_ns(bool userns, char *err, size_t len)
{
	if (userns) {
		uid_t uid = geteuid();
		gid_t gid = getegid();
		char map[64];

		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
			snprintf(err, len, "unshare(CLONE_NEWUSER|CLONE_NEWNS): %s", strerror(errno));
			return -1;
		}
		snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
		if (write_str("/proc/self/uid_map", map) < 0) {
			snprintf(err, len, "write /proc/self/uid_map '%s': %s", map, strerror(errno));
			return -1;
		}
		(void)write_str("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
		if (write_str("/proc/self/gid_map", map) < 0) {
			snprintf(err, len, "write /proc/self/gid_map '%s': %s", map, strerror(errno));
			return -1;
		}
	} else if (unshare(CLONE_NEWNS) < 0) {
		snprintf(err, len, "unshare(CLONE_NEWNS): %s", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		snprintf(err, len, "mount --make-rprivate /: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int mount_shm(double size, char *err, size_t len)
{
	char opts[128];

	snprintf(opts, sizeof(opts), "size=%.0f,mode=1777", size);
	if (mount("pitfalls-shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
		snprintf(err, len, "mount tmpfs %s on /dev/shm: %s", opts, strerror(errno));
		return -1;
	}
	return 0;
}

/* Try `fn` in a child; its one-line error comes back over a pipe. */
static bool try_in_child(bool userns, char *why, size_t len)
{
	int fds[2];
	pid_t pid;
	int status = 0;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return false;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		char err[256] = "";

		close(fds[0]);
		if (enter_mount_ns(userns, err, sizeof(err)) < 0 || mount_shm(1 << 20, err, sizeof(err)) < 0) {
			(void)!write(fds[1], err, strlen(err));
			_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	n = read(fds[0], why, len - 1);
	why[n > 0 ? n : 0] = 0;
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	if (!why[0])
		snprintf(why, len, "probe child ended with status %d", status);
	return false;
}

/* A memory cgroup of our own: create it, set a limit, put a child in it. */
static bool try_cgroup(enum pf_cg_kind *kind, char *why, size_t len)
{
	struct pf_cgroup cg;
	char name[64];
	pid_t pid;
	bool ok = false;

	snprintf(name, sizeof(name), "%d.probe", (int)getpid());
	if (pf_cg_create(&cg, name, 64 * PF_MiB, why, len) < 0) {
		*kind = PF_CG_NONE;
		return false;
	}
	*kind = cg.kind;
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	if (pid > 0) {
		if (pf_cg_attach(&cg, pid) == 0 && pf_cg_member(&cg, pid))
			ok = true;
		else
			pf_snprintf_utf8(why, len, "cannot move a process into %s: %s", cg.path, strerror(errno));
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	} else {
		snprintf(why, len, "fork: %s", strerror(errno));
	}
	pf_cg_destroy(&cg);
	if (!ok)
		*kind = PF_CG_NONE;
	return ok;
}

const struct pf_containment *pf_contain_probe(void)
{
	static struct pf_containment p;
	char why[256];

	if (p.probed)
		return &p;
	p.probed = true;
	if (try_in_child(false, why, sizeof(why))) {
		p.mount_ns = true;
	} else {
		snprintf(p.mount_why, sizeof(p.mount_why), "%s", why);
		if (try_in_child(true, why, sizeof(why))) {
			/* had: through a user namespace (mount_why says why not directly: gone) */
			p.mount_ns = p.via_userns = true;
			p.mount_why[0] = 0;
		} else {
			pf_snprintf_utf8(p.mount_why, sizeof(p.mount_why), "%s; and through a user namespace: %s",
					 p.mount_why, why);
		}
	}
	if (try_cgroup(&p.cg, why, sizeof(why)))
		pf_cg_detect(p.cg_root, sizeof(p.cg_root));
	else
		snprintf(p.cg_why, sizeof(p.cg_why), "%s", why);
	return &p;
}

void pf_contain_describe(struct pf_json *o)
{
	const struct pf_containment *p = pf_contain_probe();
	char *s;

	if (p->mount_ns)
		s = pf_xasprintf("yes (%s)", p->via_userns ? "user + mount namespace, unprivileged" : "mount namespace");
	else
		s = pf_xasprintf("no: %s", p->mount_why);
	pf_json_set_str(o, "private_dev_shm", s);
	free(s);
	if (p->cg != PF_CG_NONE)
		s = pf_xasprintf("yes (cgroup %s, %s)", p->cg == PF_CG_V1 ? "v1" : "v2", p->cg_root);
	else
		s = pf_xasprintf("no: %s; memory limits fall back to RLIMIT_AS (2x the limit: "
				 "no OOM kill, no peak_cg, no oom_kills; allocations fail instead)", p->cg_why);
	pf_json_set_str(o, "memory_cgroup", s);
	free(s);
	pf_json_set_str(o, "timeouts", "yes (process group and cgroup killed; a watchdog kills them if the harness dies)");
	pf_json_set_str(o, "user", geteuid() == 0 ? "root" : "unprivileged");
}

int pf_enter_private_shm(double size, bool userns, char *err, size_t len)
{
	if (enter_mount_ns(userns, err, len) < 0)
		return -1;
	return mount_shm(size, err, len);
}
