/* fork_deadlock.c — seed 000, "Miscellaneous: Copy-on-Write in Python": a
 * forked child inherits the parent's memory, locks included.  If another
 * thread holds a lock at the moment of fork(), the child gets the lock in its
 * held state and no thread to ever release it: the first time the child takes
 * it, it blocks forever.  Joblib's loky backend (and multiprocessing's spawn
 * start method) avoid it by starting fresh processes, at a price in start-up.
 *
 * Pathologies (a thread holds the lock while the main thread forks):
 *   fork_mutex          a mutex of the program; the variant waits for its
 *                       children with its own deadline, counts the hung ones
 *                       and kills them;
 *   fork_mutex_harness  the same hang, but the variant waits for its child
 *                       forever, so the harness's timeout must catch it;
 *   pool_lock           the lock of a user-level allocator (a pool in front of
 *                       malloc, as numeric libraries keep), hammered by a
 *                       thread while the main thread forks repeatedly.
 * Fixes: pthread_atfork handlers (prepare takes the lock, so fork waits for
 * the holder; parent and child release it) and posix_spawn (the child is a
 * fresh image of this program, with fresh locks).  glibc's own malloc locks
 * are measured too (malloc_fork): glibc takes them around fork() itself.
 * startup times fork, fork+exec and posix_spawn to the child's exit.
 * The Python originals (python/fork_deadlock.py) do the same with
 * multiprocessing's fork and spawn start methods.
 */
#define _GNU_SOURCE
#include "pitfalls.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---------------------------------------------------------------------------
 * Parameters.
 */
#define MiB_ (1024.0 * 1024.0)
static const struct pf_param params[] = {
	{ .name = "trials", .unit = PF_COUNT, .value = { 3, 10, 20, 20 }, .min = 1, .max = 1000,
	  .help = "forks (or spawns) with the program's mutex held by another thread" },
	{ .name = "forks", .unit = PF_COUNT, .value = { 20, 100, 400, 400 }, .min = 1, .max = 10000,
	  .help = "forks while a thread hammers an allocator's lock (pool_lock, malloc_fork)" },
	{ .name = "deadline", .unit = PF_SECONDS, .value = { 0.5, 1.5, 5, 5 }, .min = 0.05, .max = 60,
	  .help = "pathologies: after this, a child still there is hung if asleep in a futex wait, else waited for "
		  "(up to 20x); fixes wait without one (the harness timeout)" },
	{ .name = "hold", .unit = PF_SECONDS, .value = { 0.02, 0.02, 0.02, 0.02 }, .min = 0, .max = 5,
	  .help = "how long the holder thread keeps the mutex after the fork began" },
	{ .name = "startup_iters", .unit = PF_COUNT, .value = { 8, 8, 200, 200 }, .min = 1, .max = 100000,
	  .help = "process starts per timed repetition of the start-up benchmarks" },
	{ .name = "parent_rss", .unit = PF_BYTES, .value = { 64 * MiB_, 256 * MiB_, 1 * PF_GiB, 1 * PF_GiB },
	  .min = 0, .max = 16 * PF_GiB,
	  .help = "resident memory of the big parent in startup (fork copies its page tables)" },
	{ .name = "mem_limit", .unit = PF_BYTES, .value = { 1 * PF_GiB, 2 * PF_GiB, 3 * PF_GiB, 3 * PF_GiB },
	  .min = 64 * MiB_, .max = 64 * PF_GiB, .help = "memory cgroup limit per variant" },
	{ .name = NULL },
};

/* "spawn is generally slower than fork" (the article gives no factor): spawn
 * must take at least this factor of fork's start-up, above timing noise. */
#define SPAWN_SLOWER_MIN 1.2
/* The fork pathology is deterministic: every trial must hang. */
#define FORK_HANG_SHARE_MIN 1.0
/* A child still running (not blocked) at the deadline is waited for, up to
 * this factor of the deadline, before it counts as hung: slowness is not a hang. */
#define CONFIRM_FACTOR 20
/* The harness-timeout variant's own timeout (seconds): short, it is a hang;
 * and its stall_s: both processes asleep for a second ends it sooner. */
#define HARNESS_TIMEOUT_S 3
#define HARNESS_STALL_S 1

/* The environment variable that makes a re-executed image of this program
 * run the child's task (from a constructor, before main) and exit. */
#define CHILD_ENV "PITFALLS_FORK_DEADLOCK_CHILD"

/* ---------------------------------------------------------------------------
 * The program's state that a child inherits: a mutex, and a pool allocator
 * with its own lock in front of malloc.
 */
static pthread_mutex_t app_lock = PTHREAD_MUTEX_INITIALIZER;

#define POOL_SLOTS 256
struct pool {
	pthread_mutex_t lock;
	void *slot[POOL_SLOTS];		/* cached blocks */
	int nfree;
	unsigned long hist[64];		/* size histogram: bookkeeping under the lock */
};
static struct pool pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* A pooled allocation: reuse a cached block or fall back to malloc, keeping
 * statistics — all under the pool's lock, as a real pool allocator does. */
static void *pool_alloc(size_t n)
{
	void *p;

	pthread_mutex_lock(&pool.lock);
	p = pool.nfree > 0 ? pool.slot[--pool.nfree] : malloc(n < 256 ? 256 : n);
	for (int i = 0; i < 64; i++)
		pool.hist[i] += (n >> (i & 15)) & 1;
	pthread_mutex_unlock(&pool.lock);
	return p;
}

static void pool_free(void *p)
{
	pthread_mutex_lock(&pool.lock);
	if (pool.nfree < POOL_SLOTS)
		pool.slot[pool.nfree++] = p;
	else
		free(p);
	pthread_mutex_unlock(&pool.lock);
}

/* pthread_atfork handlers: fork waits until the lock is free, and both
 * sides get it back released (the child re-initialises its copy). */
static void app_prepare(void) { pthread_mutex_lock(&app_lock); }
static void app_parent(void) { pthread_mutex_unlock(&app_lock); }
static void app_child(void) { pthread_mutex_init(&app_lock, NULL); }
static void pool_prepare(void) { pthread_mutex_lock(&pool.lock); }
static void pool_parent(void) { pthread_mutex_unlock(&pool.lock); }
static void pool_child(void) { pthread_mutex_init(&pool.lock, NULL); }

/* What every child does: take the program's lock, allocate, release. */
static int child_task(void)
{
	void *p;

	pthread_mutex_lock(&app_lock);
	p = malloc(4096);
	pthread_mutex_unlock(&app_lock);
	if (!p)
		return 1;
	memset(p, 1, 4096);
	free(p);
	return 0;
}

/* The re-executed image (posix_spawn / fork+exec): fresh locks, same task. */
__attribute__((constructor)) static void fork_child_entry(void)
{
	if (getenv(CHILD_ENV))
		_exit(child_task());
}

/* environ plus CHILD_ENV=1, built once per variant process */
static char **child_env(void)
{
	static char **env;
	static char entry[] = CHILD_ENV "=1";
	size_t n = 0;

	if (env)
		return env;
	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return environ;
	memcpy(env, environ, n * sizeof(*env));
	env[n] = entry;
	return env;
}

/* ---------------------------------------------------------------------------
 * Starting children and judging them.
 */
enum start_kind { START_FORK, START_FORK_POOL, START_FORK_MALLOC, START_SPAWN, START_FORK_EXEC, START_SPAWN_TRUE };

/* Start one child of the given kind; returns its pid or -1 (errno). */
static pid_t start_child(enum start_kind k)
{
	static char *self_argv[] = { "pitfalls-fork-child", NULL };
	static char *true_argv[] = { "true", NULL };
	pid_t pid = -1;
	int rc;

	switch (k) {
	case START_SPAWN:
		rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, self_argv, child_env());
		if (rc) {
			errno = rc;
			return -1;
		}
		return pid;
	case START_SPAWN_TRUE:
		rc = posix_spawn(&pid, "/bin/true", NULL, NULL, true_argv, environ);
		if (rc) {
			errno = rc;
			return -1;
		}
		return pid;
	default:
		break;
	}
	pid = fork();
	if (pid != 0)
		return pid;
	/* the child */
	switch (k) {
	case START_FORK:
		_exit(child_task());
	case START_FORK_POOL: {
		void *p = pool_alloc(64);

		pool_free(p);
		_exit(p ? 0 : 1);
	}
	case START_FORK_MALLOC: {
		void *p = malloc(3000), *q = malloc(200000);

		free(p);
		free(q);
		_exit(p && q ? 0 : 1);
	}
	case START_FORK_EXEC:
		execve("/proc/self/exe", self_argv, child_env());
		_exit(127);
	default:
		_exit(2);
	}
}

struct children {
	pid_t *pid;
	int n, cap;
};

static int children_add(struct children *c, pid_t pid)
{
	if (c->n == c->cap) {
		int cap = c->cap ? 2 * c->cap : 64;
		pid_t *p = realloc(c->pid, (size_t)cap * sizeof(*p));

		if (!p)
			return -1;
		c->pid = p;
		c->cap = cap;
	}
	c->pid[c->n++] = pid;
	return 0;
}

/* Is this child asleep in a futex wait (a lock it will never get)?  By its
 * state, its wait channel and the system call it is in; not by time. */
static bool child_blocked(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool sleeping = false, futex = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r"))) {
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] == ' ')
			sleeping = p[2] == 'S';
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	if ((f = fopen(path, "r"))) {
		futex = fgets(buf, sizeof(buf), f) && strstr(buf, "futex");
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	if (!futex && (f = fopen(path, "r"))) {
		long nr = -1;

		futex = fscanf(f, "%ld", &nr) == 1 && nr == SYS_futex;
		fclose(f);
	}
	return sleeping && futex;
}

/* Wait for the children.  deadline = INFINITY (a fix): until every child has
 * exited — a fix that hangs is caught by the harness's timeout, so a slow or
 * loaded machine cannot make a fix look hung.  A finite deadline (a
 * pathology): after it, each child still there is judged by what it does —
 * asleep in a futex wait (hung on the lock) or still running (slow: waited
 * for, up to CONFIRM_FACTOR x the deadline).  Hung children are killed and
 * reaped, so none outlives us. */
static void children_judge(struct pf_ctx *ctx, struct children *c, double deadline)
{
	double t0 = pf_now(), slowest = 0;
	int done = 0, ok = 0, hung = 0, in_futex = 0;
	bool *exited = calloc((size_t)c->n + 1, sizeof(bool));

	for (;;) {
		double el = pf_now() - t0;
		bool undecided = false;

		if (!exited || done >= c->n)
			break;
		if (el >= deadline) {
			/* past the deadline: done once every child left is blocked */
			for (int i = 0; i < c->n && !undecided; i++)
				undecided = !exited[i] && !child_blocked(c->pid[i]);
			if (!undecided || el >= CONFIRM_FACTOR * deadline)
				break;
		}
		for (int i = 0; i < c->n; i++) {
			int st;

			if (exited[i] || waitpid(c->pid[i], &st, WNOHANG) != c->pid[i])
				continue;
			exited[i] = true;
			done++;
			ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
			slowest = pf_now() - t0;
		}
		if (done < c->n)
			usleep(1000);
	}
	for (int i = 0; i < c->n; i++) {
		if (exited && exited[i])
			continue;
		hung++;
		in_futex += child_blocked(c->pid[i]);
		kill(c->pid[i], SIGKILL);
		while (waitpid(c->pid[i], NULL, 0) < 0 && errno == EINTR)
			;
	}
	free(exited);
	pf_metric(ctx, "trials", c->n, "1");
	pf_metric(ctx, "hung", hung, "1");
	pf_metric(ctx, "completed", ok, "1");
	pf_metric(ctx, "hung_share", c->n ? (double)hung / c->n : 0, "1");
	pf_metric(ctx, "completed_share", c->n ? (double)ok / c->n : 0, "1");
	pf_metric(ctx, "hung_in_futex", in_futex, "1");
	if (hung)
		pf_metric(ctx, "hung_in_futex_share", (double)in_futex / hung, "1");
	if (isfinite(deadline))
		pf_metric(ctx, "deadline", deadline, "s");
	pf_metric(ctx, "last_exit_after_s", slowest, "s");
	free(c->pid);
	c->pid = NULL;
	c->n = c->cap = 0;
}

/* ---------------------------------------------------------------------------
 * The program's mutex held by another thread at the moment of the start.
 */
struct holder {
	sem_t held;
	double hold_s;
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	struct timespec ts = { (time_t)h->hold_s, (long)((h->hold_s - floor(h->hold_s)) * 1e9) };

	pthread_mutex_lock(&app_lock);
	sem_post(&h->held);
	nanosleep(&ts, NULL);
	pthread_mutex_unlock(&app_lock);
	return NULL;
}

/* `trials` times: a thread takes the mutex, then the main thread starts a
 * child of kind k; the children are judged at the end. */
static int held_mutex_trials(struct pf_ctx *ctx, enum start_kind k, bool fix)
{
	struct children c = { 0 };
	int trials = (int)pf_param(ctx, "trials");
	struct holder h = { .hold_s = pf_param(ctx, "hold") };

	sem_init(&h.held, 0, 0);
	pf_phase(ctx, "start children with the mutex held");
	for (int i = 0; i < trials; i++) {
		pthread_t t;
		pid_t pid;

		if ((errno = pthread_create(&t, NULL, holder_main, &h)))
			return pf_fail(ctx, "pthread_create: %s", strerror(errno));
		while (sem_wait(&h.held) < 0 && errno == EINTR)
			;
		pid = start_child(k);
		if (pid < 0 || children_add(&c, pid) < 0) {
			int e = errno;

			pthread_join(t, NULL);
			children_judge(ctx, &c, 0);
			return pf_fail(ctx, "start child: %s", strerror(e));
		}
		pthread_join(t, NULL);
	}
	pf_phase(ctx, "wait for the children");
	children_judge(ctx, &c, fix ? INFINITY : pf_param(ctx, "deadline"));
	return PF_OK;
}

static int run_fork_mutex(struct pf_ctx *ctx)
{
	return held_mutex_trials(ctx, START_FORK, false);
}

static int run_fork_mutex_atfork(struct pf_ctx *ctx)
{
	if ((errno = pthread_atfork(app_prepare, app_parent, app_child)))
		return pf_fail(ctx, "pthread_atfork: %s", strerror(errno));
	return held_mutex_trials(ctx, START_FORK, true);
}

static int run_spawn(struct pf_ctx *ctx)
{
	return held_mutex_trials(ctx, START_SPAWN, true);
}

/* The child's start time (clock ticks since boot, /proc/<pid>/stat field
 * 22), so the verdict can tell whether that very process still exists. */
static double proc_starttime(pid_t pid, char *state)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	FILE *f;
	int field = 3;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	*state = *p;
	for (; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (sscanf(p, "%llu", &start) != 1)
		return -1;
	return (double)start;
}

/* One fork with the mutex held, and a parent that waits for its child
 * without a deadline: only the harness's timeout ends this variant. */
static int run_fork_mutex_harness(struct pf_ctx *ctx)
{
	struct holder h = { .hold_s = pf_param(ctx, "hold") };
	pthread_t t;
	pid_t pid;
	char state = '?';
	int st;

	sem_init(&h.held, 0, 0);
	if ((errno = pthread_create(&t, NULL, holder_main, &h)))
		return pf_fail(ctx, "pthread_create: %s", strerror(errno));
	while (sem_wait(&h.held) < 0 && errno == EINTR)
		;
	pid = start_child(START_FORK);
	if (pid < 0)
		return pf_fail(ctx, "fork: %s", strerror(errno));
	pthread_join(t, NULL);
	/* reported before the hang: the verdict checks this process is gone */
	pf_metric(ctx, "child_pid", pid, "1");
	pf_metric(ctx, "child_starttime", proc_starttime(pid, &state), "ticks");
	pf_phase(ctx, "waitpid, no deadline");
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* reached only if the child did not hang */
	pf_metric(ctx, "child_exited", 1, "1");
	return PF_OK;
}

/* ---------------------------------------------------------------------------
 * An allocator's lock hammered by a thread while the main thread forks.
 */
static atomic_bool hammer_stop;

static void *pool_hammer(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&hammer_stop, memory_order_relaxed))
		pool_free(pool_alloc(64));
	return NULL;
}

static void *malloc_hammer(void *arg)
{
	void *ring[64] = { 0 };
	unsigned x = 12345;

	(void)arg;
	for (unsigned i = 0; !atomic_load_explicit(&hammer_stop, memory_order_relaxed); i++) {
		x = x * 1103515245u + 12345u;
		free(ring[i % 64]);
		ring[i % 64] = malloc(16 + (x >> 8) % 65536);
	}
	for (int i = 0; i < 64; i++)
		free(ring[i]);
	return NULL;
}

static int hammered_forks(struct pf_ctx *ctx, void *(*hammer)(void *), enum start_kind k, bool fix)
{
	struct children c = { 0 };
	int forks = (int)pf_param(ctx, "forks");
	pthread_t t;

	atomic_store(&hammer_stop, false);
	if ((errno = pthread_create(&t, NULL, hammer, NULL)))
		return pf_fail(ctx, "pthread_create: %s", strerror(errno));
	usleep(10000);	/* the hammer is running */
	pf_phase(ctx, "fork while the lock is hammered");
	for (int i = 0; i < forks; i++) {
		pid_t pid = start_child(k);

		if (pid < 0 || children_add(&c, pid) < 0) {
			int e = errno;

			atomic_store(&hammer_stop, true);
			pthread_join(t, NULL);
			children_judge(ctx, &c, 0);
			return pf_fail(ctx, "fork: %s", strerror(e));
		}
		usleep(200);
	}
	atomic_store(&hammer_stop, true);
	pthread_join(t, NULL);
	pf_phase(ctx, "wait for the children");
	children_judge(ctx, &c, fix ? INFINITY : pf_param(ctx, "deadline"));
	return PF_OK;
}

static int run_pool_lock(struct pf_ctx *ctx)
{
	return hammered_forks(ctx, pool_hammer, START_FORK_POOL, false);
}

static int run_pool_lock_atfork(struct pf_ctx *ctx)
{
	if ((errno = pthread_atfork(pool_prepare, pool_parent, pool_child)))
		return pf_fail(ctx, "pthread_atfork: %s", strerror(errno));
	return hammered_forks(ctx, pool_hammer, START_FORK_POOL, true);
}

static int run_malloc_fork(struct pf_ctx *ctx)
{
	return hammered_forks(ctx, malloc_hammer, START_FORK_MALLOC, false);
}

/* ---------------------------------------------------------------------------
 * Start-up cost: start a child, wait for its exit.
 */
struct start_bench {
	enum start_kind kind;
	int iters;
	int failures;
};

static double start_iteration(void *arg)
{
	struct start_bench *b = arg;
	double t0 = pf_now();

	for (int i = 0; i < b->iters; i++) {
		pid_t pid = start_child(b->kind);
		int st = 0;

		if (pid < 0) {
			b->failures++;
			continue;
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		b->failures += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	}
	return (pf_now() - t0) / b->iters;	/* seconds per process start */
}

/* Start-up of each kind, interleaved (A B B A …) so drift cancels: first
 * from a small parent, then from a parent holding parent_rss resident (fork
 * copies its page tables; spawn does not).  Series "<kind>.time". */
static int run_startup(struct pf_ctx *ctx)
{
	static const struct { const char *name; enum start_kind kind; } small[] = {
		{ "fork", START_FORK }, { "fork_exec", START_FORK_EXEC },
		{ "spawn", START_SPAWN }, { "spawn_true", START_SPAWN_TRUE },
	}, big[] = { { "fork_big", START_FORK }, { "spawn_big", START_SPAWN } };
	struct pf_bench_opts bo = { .iterations = 1, .manual_time = true, .repetitions = pf_reps_timing(ctx, 0) };
	struct start_bench b[6];
	struct pf_bench_arm arms[6];
	struct pf_bench_stats st[6];
	double rss = pf_param(ctx, "parent_rss");
	char *ballast = NULL;
	FILE *t;

	if (!pf_fits(ctx, rss * 1.2, "the parent's resident memory"))
		return PF_SKIPPED;
	for (int i = 0; i < 6; i++) {
		b[i] = (struct start_bench){ .kind = i < 4 ? small[i].kind : big[i - 4].kind,
					     .iters = (int)pf_param(ctx, "startup_iters") };
		arms[i] = (struct pf_bench_arm){ i < 4 ? small[i].name : big[i - 4].name, start_iteration, &b[i] };
	}
	pf_metric(ctx, "parent_rss_small", pf_rss(), "B");
	pf_phase(ctx, "small parent");
	if (pf_bench_group(ctx, arms, 4, &bo, st) < 0)
		return pf_fail(ctx, "pf_bench_group (small parent) failed");
	if (rss > 0) {
		ballast = malloc((size_t)rss);
		if (!ballast)
			return pf_fail(ctx, "malloc(%.0f): %s", rss, strerror(errno));
		pf_touch(ballast, (size_t)rss);
	}
	pf_metric(ctx, "parent_rss_big", pf_rss(), "B");
	pf_phase(ctx, "big parent");
	if (pf_bench_group(ctx, arms + 4, 2, &bo, st + 4) < 0)
		return pf_fail(ctx, "pf_bench_group (big parent) failed");
	free(ballast);
	for (int i = 0; i < 6; i++)
		if (b[i].failures)
			return pf_fail(ctx, "%s: %d children did not exit 0", arms[i].name, b[i].failures);
	pf_metric(ctx, "spawn_over_fork", st[2].median / st[0].median, "1");
	pf_metric(ctx, "fork_exec_over_fork", st[1].median / st[0].median, "1");
	pf_metric(ctx, "spawn_true_over_fork", st[3].median / st[0].median, "1");
	pf_metric(ctx, "spawn_over_fork_big", st[5].median / st[4].median, "1");
	t = pf_table_open(ctx, "start", "method\tsmall_parent_s\tbig_parent_s");
	if (t) {
		fprintf(t, "fork\t%.9g\t%.9g\n", st[0].median, st[4].median);
		fprintf(t, "fork+exec\t%.9g\t-\n", st[1].median);
		fprintf(t, "posix_spawn (this program)\t%.9g\t%.9g\n", st[2].median, st[5].median);
		fprintf(t, "posix_spawn /bin/true\t%.9g\t-\n", st[3].median);
		pf_table_close(ctx, t);
	}
	return PF_OK;
}

/* ---------------------------------------------------------------------------
 * The scenario.
 */
static const struct pf_variant variants[] = {
	{ .name = "fork_mutex", .role = PF_PATHOLOGY, .run = run_fork_mutex,
	  .summary = "fork() while another thread holds the program's mutex; the child takes it" },
	{ .name = "fork_mutex_harness", .role = PF_PATHOLOGY, .run = run_fork_mutex_harness,
	  .timeout_s = HARNESS_TIMEOUT_S, .stall_s = HARNESS_STALL_S,
	  .summary = "the same, waiting for the child without a deadline: the harness's hang rule ends it" },
	{ .name = "fork_mutex_atfork", .role = PF_FIX, .run = run_fork_mutex_atfork,
	  .summary = "pthread_atfork: prepare takes the mutex, parent and child release it" },
	{ .name = "spawn", .role = PF_FIX, .run = run_spawn,
	  .summary = "posix_spawn of this program (fresh image, fresh mutex) with the mutex held" },
	{ .name = "pool_lock", .role = PF_PATHOLOGY, .run = run_pool_lock,
	  .summary = "fork while a thread hammers a pool allocator's lock; children allocate" },
	{ .name = "pool_lock_atfork", .role = PF_FIX, .run = run_pool_lock_atfork,
	  .summary = "the same pool with pthread_atfork handlers around its lock" },
	{ .name = "malloc_fork", .role = PF_BASELINE, .run = run_malloc_fork,
	  .summary = "fork while a thread hammers glibc malloc (glibc locks its arenas around fork)" },
	/* no perf counters: inherited counters are created and folded at every
	 * fork/clone and exit, and would dominate what is timed here */
	{ .name = "startup", .role = PF_BASELINE, .run = run_startup, .flags = PF_V_NO_COUNTERS,
	  .summary = "start-up to exit: fork, fork+exec, posix_spawn (this program, /bin/true); small and big parent" },
	{ .name = "py_fork", .role = PF_PATHOLOGY, .python = "fork_deadlock.py fork",
	  .summary = "multiprocessing 'fork' start method while a thread holds a threading.Lock" },
	{ .name = "py_spawn", .role = PF_FIX, .python = "fork_deadlock.py spawn",
	  .summary = "multiprocessing 'spawn' start method, same lock held" },
	{ .name = NULL },
};

/* The hung child of fork_mutex_harness is gone when its pid is free or now
 * names another process (other start time), or it is only a zombie. */
static void check_child_gone(struct pf_verdict *v, const struct pf_run *run)
{
	double pid = 0, start = 0, now_start;
	char state = '?';

	if (!pf_want(v, "hung child gone after the timeout", run, "fork_mutex_harness", "child_pid", &pid) ||
	    !pf_want(v, "hung child gone after the timeout", run, "fork_mutex_harness", "child_starttime", &start))
		return;
	now_start = proc_starttime((pid_t)pid, &state);
	pf_check_bool(v, PF_K_OUTCOME, "hung child gone after the timeout",
		      now_start < 0 || now_start != start || state == 'Z' || state == 'X',
		      "pid %.0f: %s", pid, now_start < 0 ? "no such process" :
		      now_start != start ? "pid reused by another process" : state == 'Z' ? "zombie" : "STILL RUNNING");
}

/* ---------------------------------------------------------------------------
 * The claim, as data.  "Never hangs" is an outcome (a fix waits for its
 * children without a deadline; a hang would be the harness's timeout), not a
 * deadline a slow machine could miss; the start-up ratio is judged with
 * statistics over interleaved repetitions.
 */
#define NEVER_HANGS(n, v) \
	{ .name = n, .kind = PF_K_OUTCOME, .a = v, .outcome = PF_OUT_OK, \
	  .bound = "waits for every child without a deadline: a hang would be the harness timeout" }, \
	{ .name = n ": every child completed", .kind = PF_K_COUNT, .a = v "/completed_share", \
	  .op = PF_OP_RANGE, .lo = 1, .hi = 1, .bound = "every child exits 0" }
#define HANGS(n, v, what, min, b) \
	{ .name = n, .kind = PF_K_COUNT, .a = v "/" what, .op = PF_OP_GE, .lo = min, .bound = b }
static const struct pf_claim claims[] = {
	HANGS("fork with a held mutex hangs", "fork_mutex", "hung_share", FORK_HANG_SHARE_MIN,
	      "FORK_HANG_SHARE_MIN: every trial (by construction)"),
	HANGS("fork: the hung children wait on the lock", "fork_mutex", "hung_in_futex_share", 1,
	      "each asleep in a futex wait (/proc/<pid>/wchan, syscall), not merely slow"),
	{ .name = "harness timeout catches the hang", .kind = PF_K_OUTCOME, .a = "fork_mutex_harness",
	  .outcome = PF_OUT_TIMEOUT,
	  .bound = "the variant waits forever; the hang rule (1 s without progress) or its short timeout ends it" },
	NEVER_HANGS("atfork never hangs", "fork_mutex_atfork"),
	NEVER_HANGS("spawn never hangs", "spawn"),
	HANGS("fork with an allocator lock hammered hangs", "pool_lock", "hung", 1,
	      ">= 1 fork (a race: the lock is held most of the time)"),
	NEVER_HANGS("pool with atfork never hangs", "pool_lock_atfork"),
	{ .name = "spawn start-up / fork", .kind = PF_K_TIMING, .a = "startup/spawn.time", .over = "startup/fork.time",
	  .op = PF_OP_GE, .lo = SPAWN_SLOWER_MIN, .bound = "SPAWN_SLOWER_MIN (article: spawn \"is generally slower\")" },
	HANGS("Python fork start method hangs", "py_fork", "hung_share", FORK_HANG_SHARE_MIN,
	      "FORK_HANG_SHARE_MIN: every trial"),
	NEVER_HANGS("Python spawn never hangs", "py_spawn"),
	{ .name = "Python spawn start-up / fork", .kind = PF_K_TIMING, .a = "py_spawn/spawn.time",
	  .over = "py_spawn/fork.time", .op = PF_OP_GE, .lo = SPAWN_SLOWER_MIN,
	  .bound = "SPAWN_SLOWER_MIN (article: spawn \"is generally slower\")" },
	{ .name = NULL },
};

/* A number of a variant for the summary line, NaN when absent. */
static double num(const struct pf_run *run, const char *variant, const char *key)
{
	double x;

	return pf_get(pf_result(run, variant), key, &x) ? x : NAN;
}

/* What no table says: the hung child really gone (read at verdict time), the
 * baselines' figures (info), the summary. */
static void verdict(const struct pf_run *run, struct pf_verdict *v)
{
	const struct pf_result *h = pf_result(run, "fork_mutex_harness");
	double mh = num(run, "malloc_fork", "hung"), big = num(run, "startup", "spawn_over_fork_big");

	check_child_gone(v, run);
	if (!isnan(mh))
		pf_check_info(v, "glibc malloc lock: hung forks", mh,
			      "%.0f of %.0f forks hung (glibc takes its arena locks around fork)", mh,
			      num(run, "malloc_fork", "trials"));
	if (!isnan(big))
		pf_check_info(v, "spawn start-up / fork, big parent", big,
			      "parent holding parent_rss resident: fork copies its page tables");
	pf_measured(v, "fork with mutex held: %.0f/%.0f hung (%.0f in futex); harness: %s; pool lock: %.0f/%.0f hung; "
		    "glibc malloc: %.0f hung; start-up fork %.0f us, spawn %.0f us (%.1fx; big parent %.2fx); "
		    "Python fork %.1f ms, spawn %.1f ms (%.1fx)",
		    num(run, "fork_mutex", "hung"), num(run, "fork_mutex", "trials"), num(run, "fork_mutex", "hung_in_futex"),
		    h ? pf_outcome_name(h->outcome) : "-", num(run, "pool_lock", "hung"), num(run, "pool_lock", "trials"), mh,
		    num(run, "startup", "fork.time_median") * 1e6, num(run, "startup", "spawn.time_median") * 1e6,
		    num(run, "startup", "spawn_over_fork"), big, num(run, "py_spawn", "fork.time_median") * 1e3,
		    num(run, "py_spawn", "spawn.time_median") * 1e3, num(run, "py_spawn", "spawn_over_fork"));
}

static int supported(char *why, size_t len)
{
	if (access("/proc/self/exe", X_OK) != 0) {
		snprintf(why, len, "/proc/self/exe not executable: spawn re-executes this binary");
		return -1;
	}
	return 0;
}

const struct pf_case pf_case_fork_deadlock = {
	.name = "fork_deadlock",
	.title = "fork() with a lock held by another thread: the child blocks forever; spawn and atfork do not",
	.source = "seed 000, \"Miscellaneous: Copy-on-Write in Python\" (fork deadlocks, loky's spawn)",
	.claim = "a child forked while another thread holds a lock hangs on it; spawn (fresh process) and "
		 "pthread_atfork never hang; spawn's start-up is slower than fork's",
	.seed_figure = "no figure: \"spawn improves stability, it is generally slower ... than fork\"",
	.params = params,
	.variants = variants,
	.needs = { .mem_limit = "mem_limit", .timeout_s = 120 },
	.supported = supported,
	.claims = claims,
	.verdict = verdict,
};
