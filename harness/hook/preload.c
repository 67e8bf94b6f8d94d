/* preload.c — libpitfalls-preload.so, `pitfalls watch`'s hook for any
 * program (C, C++, Fortran, or the interpreter of a script), loaded with
 * LD_PRELOAD.  It tells four things the outside cannot see reliably, through
 * public interfaces only, and changes nothing the program computes (every
 * wrapper calls the real function and returns what it returned, errno
 * included):
 *
 * 1. Did the program raise a floating-point overflow or invalid operation
 *    and never look?  IEEE 754 keeps sticky flags; a program that checks
 *    calls fetestexcept (or fegetexceptflag / fegetenv / feholdexcept: the
 *    ways glibc gives to read them).  The hook wraps those (the real ones are
 *    called, nothing changes) and notes that the program looked.  At exit it
 *    reads the exiting thread's flags:
 *        cfpe <tab> t <tab> pid <tab> overflow(0/1) <tab> invalid(0/1)
 *    when FE_OVERFLOW or FE_INVALID is raised and the program never looked.
 *    gfortran's runtime does the same at STOP; C and C++ say nothing.  NumPy
 *    reads the flags after every ufunc (a NumPy process has looked; the
 *    Python hook counts NumPy's own events).
 * 2. Which BLAS libraries and OpenMP runtimes it had loaded (dl_iterate_phdr):
 *        lib <tab> t <tab> pid <tab> =path
 *    one line each.  The watcher's deep samples read /proc/PID/maps every
 *    0.05-0.1 s, and a process that loads a second BLAS just before it ends
 *    can fall between two of them.
 * 3. The same big payload sent again and again through a pipe or a socket
 *    (a pool's tasks each carrying one object: method_pickling).  write,
 *    writev, send and sendmsg are wrapped; a call that wrote >= SEND_MIN_BYTES
 *    to a pipe or socket is fingerprinted (its length and a hash of
 *    SEND_WINDOWS windows of SEND_WINDOW bytes spread over it, away from the
 *    ends where a message's header and per-task arguments are), and at exit
 *        resend <tab> t <tab> pid <tab> sends <tab> bytes
 *    for each payload written >= 2 times (t: its first repeat).  Smaller
 *    writes cost one comparison.
 * 4. glibc's heap: live bytes against what malloc keeps free (fragmentation).
 *    malloc is wrapped (the next one in the lookup order is called: a
 *    preloaded jemalloc comes first and is not seen at all); at each malloc
 *    of >= HEAP_BIG bytes, and every HEAP_CALLS smaller ones of a thread, it
 *    reads the coarse monotonic clock (vDSO), and at most every
 *    HEAP_PERIOD_MS (HEAP_SLOW_MS after HEAP_FAST_LINES lines; never sooner
 *    than HEAP_COST_SHARE times the last one's own cost) it takes mallinfo2;
 *    when glibc keeps >= HEAP_MIN_FREE bytes free, /proc/self/statm too, and
 *    writes
 *        heap <tab> t <tab> pid <tab> rss <tab> in_use <tab> heap_free <tab> mmapped <tab> anon
 *    (the layout of the Python hook's mallinfo2 lines, which are gone: this
 *    hook reads the heap of every process, Python's too).  Sampled when the
 *    program asks for memory, not when it frees: right after a free, memory
 *    that the program is about to give back (malloc_trim) looks kept.  Only
 *    where the allocator is glibc's: mallinfo2 describes no other.
 *
 * 5. Big blocks that come and go (full-array temporaries: basel).  malloc,
 *    posix_memalign and free are wrapped; a block of >= BIG_MIN_BYTES is
 *    remembered (BIG_SLOTS at once) until it is freed, and each one is told
 *    as it is allocated:
 *        big <tab> t <tab> pid <tab> bytes <tab> after_free(0/1)
 *    after_free: a big block of this process had been freed before (the
 *    program allocates, frees and allocates again, as each step of an
 *    array expression does; arrays allocated once and kept are 0).  A free
 *    of anything else costs a load and a branch while no big block lives.
 *
 * Lines go to PITFALLS_WATCH_EVENTS in the Python hook's format (O_APPEND,
 * one write a line; t is CLOCK_MONOTONIC, as Python's time.monotonic()).
 * "Exit" is exit(), a return from main, or _exit / _Exit (forked workers).
 * Limits: the exiting thread's flags only, and a process killed by a signal
 * says nothing at exit (heap lines are written as they are taken).  A forked
 * child inherits its parent's flags and whether it looked; it counts its own
 * payloads.  Without PITFALLS_WATCH_EVENTS it does nothing at all. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <limits.h>
#include <link.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "../wlib.h"

/* 3: payloads sent again and again */
#define SEND_MIN_BYTES (1 << 20)	/* a write this big to a pipe / socket is fingerprinted */
#define SEND_WINDOWS 4			/* windows hashed, at 1/5 .. 4/5 of the payload */
#define SEND_WINDOW 1024		/* bytes each */
#define SEND_SLOTS 16			/* payloads remembered per process */
/* 4: the heap */
#define HEAP_CALLS 64			/* small malloc calls between two looks at the clock */
#define HEAP_BIG (64u << 10)		/* a malloc this big looks every time (it costs far more) */
#define HEAP_PERIOD_MS 10		/* mallinfo2 at most this often ... */
#define HEAP_FAST_LINES 64		/* ... until this many lines are written, then */
#define HEAP_SLOW_MS 1000		/* ... at most this often; and never sooner than */
#define HEAP_COST_SHARE 100		/* ... this many times its own cost (it walks every free chunk:
					 * 13 ms on a Python heap of 100000) after the last one */
#define HEAP_MIN_FREE (16u << 20)	/* a line only when glibc keeps this much free */
/* 5: big blocks */
#define BIG_MIN_BYTES (64u << 20)	/* a block this big is remembered until freed */
#define BIG_SLOTS 16			/* big blocks remembered at once */

#define TLS __thread __attribute__((tls_model("initial-exec")))

static volatile int looked;	/* the program read the flags */
static volatile int reported;	/* this process's line is written */
static int (*real_fetestexcept)(int);
static int (*real_fegetexceptflag)(fexcept_t *, int);
static int (*real_fegetenv)(fenv_t *);
static int (*real_feholdexcept)(fenv_t *);

#define WATCHED (FE_OVERFLOW | FE_INVALID)

static void resolve(void)
{
	if (!real_fetestexcept) {
		real_fegetexceptflag = (int (*)(fexcept_t *, int))dlsym(RTLD_NEXT, "fegetexceptflag");
		real_fegetenv = (int (*)(fenv_t *))dlsym(RTLD_NEXT, "fegetenv");
		real_feholdexcept = (int (*)(fenv_t *))dlsym(RTLD_NEXT, "feholdexcept");
		real_fetestexcept = (int (*)(int))dlsym(RTLD_NEXT, "fetestexcept");
	}
}

int fetestexcept(int excepts)
{
	resolve();
	if (excepts & WATCHED)
		looked = 1;
	return real_fetestexcept ? real_fetestexcept(excepts) : 0;
}

int fegetexceptflag(fexcept_t *flagp, int excepts)
{
	resolve();
	if (excepts & WATCHED)
		looked = 1;
	return real_fegetexceptflag ? real_fegetexceptflag(flagp, excepts) : -1;
}

int fegetenv(fenv_t *envp)
{
	resolve();
	looked = 1;
	return real_fegetenv ? real_fegetenv(envp) : -1;
}

int feholdexcept(fenv_t *envp)
{
	resolve();
	looked = 1;
	return real_feholdexcept ? real_feholdexcept(envp) : -1;
}

/* ---- the events file ---- */

/* Is the hook on (PITFALLS_WATCH_EVENTS set)?  Read once: the variable is
 * watch's, set before the program started. */
static bool enabled(void)
{
	static int on = -1;

	if (on < 0) {
		const char *path = getenv("PITFALLS_WATCH_EVENTS");

		on = path && *path;
	}
	return on;
}

/* The events file, opened for one report (close it after), or -1. */
static int events_open(void)
{
	const char *path = getenv("PITFALLS_WATCH_EVENTS");

	if (!path || !*path)
		return -1;
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

/* one line, one write (O_APPEND: lines of many processes do not mix) */
static void emit(int fd, const char *line, int n)
{
	if (n > 0 && n < 512)
		(void)!write(fd, line, (size_t)n);
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- 3: the same big payload, sent again and again ---- */

static struct sent {
	uint64_t hash;
	size_t len;
	unsigned long sends;
	double t_repeat;	/* its first repeat */
} sent[SEND_SLOTS];
static pid_t sent_pid;		/* the process the table is of (a forked child starts afresh) */
static int sent_busy;		/* taken with a try: a thread that finds it taken skips */

/* n bytes of the iovec's data from offset off into out: how many there were. */
static size_t gather(const struct iovec *iov, size_t cnt, size_t off, unsigned char *out, size_t n)
{
	size_t got = 0;

	for (size_t i = 0; i < cnt && got < n; i++) {
		size_t l = iov[i].iov_len, take;

		if (off >= l) {
			off -= l;
			continue;
		}
		take = l - off < n - got ? l - off : n - got;
		memcpy(out + got, (const char *)iov[i].iov_base + off, take);
		got += take;
		off = 0;
	}
	return got;
}

/* The payload's fingerprint: its length and SEND_WINDOWS windows inside it. */
static uint64_t fingerprint(const struct iovec *iov, size_t cnt, size_t len)
{
	unsigned char win[SEND_WINDOW];
	uint64_t h = 0xcbf29ce484222325ull ^ len;

	for (size_t k = 1; k <= SEND_WINDOWS; k++) {
		size_t got = gather(iov, cnt, len / (SEND_WINDOWS + 1) * k, win, sizeof(win));

		for (size_t i = 0; i + 8 <= got; i += 8) {
			uint64_t w;

			memcpy(&w, win + i, 8);
			h = (h ^ w) * 0x100000001b3ull;
			h ^= h >> 29;
		}
	}
	return h;
}

/* A write that returned r went out on fd (data: the iovec): if it wrote
 * >= SEND_MIN_BYTES to a pipe or a socket, remember its fingerprint. */
static void sent_note(int fd, const struct iovec *iov, size_t cnt, ssize_t r, bool socket)
{
	int saved = errno;
	size_t len = (size_t)r, k, low = 0;
	struct stat st;
	uint64_t h;
	pid_t pid;

	if (r < SEND_MIN_BYTES || !enabled() ||
	    (!socket && (fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))))
		goto out;
	h = fingerprint(iov, cnt, len);
	if (__atomic_exchange_n(&sent_busy, 1, __ATOMIC_ACQUIRE))
		goto out;
	pid = getpid();
	if (sent_pid != pid) {
		memset(sent, 0, sizeof(sent));
		sent_pid = pid;
	}
	for (k = 0; k < SEND_SLOTS; k++) {
		if (sent[k].sends && sent[k].hash == h && sent[k].len == len)
			break;
		if (sent[k].sends < sent[low].sends)
			low = k;
	}
	if (k < SEND_SLOTS) {
		if (++sent[k].sends == 2)
			sent[k].t_repeat = mono();
	} else {	/* a new payload takes the place of the least sent */
		sent[low] = (struct sent){ .hash = h, .len = len, .sends = 1 };
	}
	__atomic_store_n(&sent_busy, 0, __ATOMIC_RELEASE);
out:
	errno = saved;
}

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);

/* write(2), and what it sent */
ssize_t write(int fd, const void *buf, size_t n)
{
	struct iovec v = { (void *)buf, n };
	ssize_t r;

	if (!real_write)
		real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	r = real_write(fd, buf, n);
	sent_note(fd, &v, 1, r, false);
	return r;
}

/* writev(2), and what it sent */
ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	ssize_t r;

	if (!real_writev)
		real_writev = (ssize_t (*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
	r = real_writev(fd, iov, cnt);
	sent_note(fd, iov, cnt > 0 ? (size_t)cnt : 0, r, false);
	return r;
}

/* send(2), and what it sent */
ssize_t send(int fd, const void *buf, size_t n, int flags)
{
	struct iovec v = { (void *)buf, n };
	ssize_t r;

	if (!real_send)
		real_send = (ssize_t (*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
	r = real_send(fd, buf, n, flags);
	sent_note(fd, &v, 1, r, true);
	return r;
}

/* sendmsg(2), and what it sent */
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t r;

	if (!real_sendmsg)
		real_sendmsg = (ssize_t (*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
	r = real_sendmsg(fd, msg, flags);
	sent_note(fd, msg->msg_iov, msg->msg_iovlen, r, true);
	return r;
}

/* ---- 4: the heap, sampled when the program asks for memory ---- */

extern void *__libc_malloc(size_t);	/* glibc's malloc (malloc is its alias) */
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
static void *(*real_malloc)(size_t);
static bool heap_glibc;		/* real_malloc is glibc's: mallinfo2 describes it */
static long long heap_next_ns;	/* the next sample (CLOCK_MONOTONIC_COARSE) */
static int heap_lines;		/* lines written by this process and its parents */
static TLS unsigned heap_calls;	/* this thread's malloc calls (no shared cache line) */
static TLS int resolving;	/* inside dlsym: a malloc it makes goes to glibc */

/* mallinfo2 and, when glibc keeps enough free, statm: one heap line.  The
 * next sample waits HEAP_COST_SHARE times what mallinfo2 took. */
static void heap_sample(void)
{
	struct timespec t0, t1;
	struct mallinfo2 mi;
	char buf[128], line[256], *end;
	long page = sysconf(_SC_PAGESIZE), resident, shared;
	long long cost;
	ssize_t n;
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	mi = mallinfo2();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cost = (t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec;
	if (cost * HEAP_COST_SHARE > HEAP_PERIOD_MS * 1000000LL)
		__atomic_store_n(&heap_next_ns, t1.tv_sec * 1000000000LL + t1.tv_nsec + cost * HEAP_COST_SHARE,
				 __ATOMIC_RELAXED);
	if (mi.fordblks < HEAP_MIN_FREE)
		return;
	fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	(void)strtol(buf, &end, 10);	/* size */
	resident = strtol(end, &end, 10);
	shared = strtol(end, &end, 10);	/* resident file and shmem pages */
	if ((fd = events_open()) < 0)
		return;
	__atomic_add_fetch(&heap_lines, 1, __ATOMIC_RELAXED);
	emit(fd, line, snprintf(line, sizeof(line), "heap\t%.6f\t%d\t%ld\t%zu\t%zu\t%zu\t%ld\n", mono(),
				(int)getpid(), resident * page, mi.uordblks + mi.hblkhd, mi.fordblks, mi.hblkhd,
				(resident - shared) * page));
	close(fd);
}

/* Every big malloc, and every HEAP_CALLS small ones of a thread: a sample,
 * if one is due. */
static void heap_tick(size_t n)
{
	struct timespec ts;
	long long now, next;
	int saved;

	if ((++heap_calls % HEAP_CALLS && n < HEAP_BIG) || !heap_glibc || !enabled())
		return;
	saved = errno;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	next = __atomic_load_n(&heap_next_ns, __ATOMIC_RELAXED);
	/* one thread takes the sample: the one that moves the next one on */
	if (now >= next &&
	    __atomic_compare_exchange_n(&heap_next_ns, &next,
					now + 1000000LL * (heap_lines < HEAP_FAST_LINES ? HEAP_PERIOD_MS : HEAP_SLOW_MS),
					false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		heap_sample();
	errno = saved;
}

/* ---- 5: big blocks that come and go ---- */

static struct { void *p; size_t n; } big[BIG_SLOTS];
static int big_live;		/* blocks in big[] (free looks only when > 0) */
static int big_busy;		/* taken with a try, as sent_busy */
static pid_t big_pid;		/* the process big_freed is of */
static unsigned long big_freed;	/* big blocks this process freed */

/* A block of n >= BIG_MIN_BYTES bytes was allocated at p: remember it, tell it. */
static void big_alloc(void *p, size_t n)
{
	int saved = errno, fd, k;
	unsigned long freed;
	char line[128];

	if (!enabled() || __atomic_exchange_n(&big_busy, 1, __ATOMIC_ACQUIRE))
		goto out;
	if (big_pid != getpid()) {	/* a forked child counts its own frees */
		big_pid = getpid();
		big_freed = 0;
	}
	freed = big_freed;
	for (k = 0; k < BIG_SLOTS && big[k].p; k++)
		;
	if (k < BIG_SLOTS) {
		big[k].p = p;
		big[k].n = n;
		__atomic_add_fetch(&big_live, 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&big_busy, 0, __ATOMIC_RELEASE);
	if ((fd = events_open()) >= 0) {
		emit(fd, line, snprintf(line, sizeof(line), "big\t%.6f\t%d\t%zu\t%d\n", mono(), (int)getpid(), n,
					freed > 0));
		close(fd);
	}
out:
	errno = saved;
}

/* p is being freed: if it is a big block, forget it and count the free. */
static void big_free(void *p)
{
	if (!p || !__atomic_load_n(&big_live, __ATOMIC_ACQUIRE) || __atomic_exchange_n(&big_busy, 1, __ATOMIC_ACQUIRE))
		return;
	for (int k = 0; k < BIG_SLOTS; k++)
		if (big[k].p == p) {
			big[k].p = NULL;
			__atomic_sub_fetch(&big_live, 1, __ATOMIC_RELEASE);
			if (big_pid != getpid()) {
				big_pid = getpid();
				big_freed = 0;
			}
			big_freed++;
			break;
		}
	__atomic_store_n(&big_busy, 0, __ATOMIC_RELEASE);
}

/* ---- the allocator's entry points: the next ones', and what 4 and 5 note ---- */

static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);

/* glibc's posix_memalign, for what dlsym allocates while the next one is
 * looked up */
static int posix_memalign_glibc(void **out, size_t align, size_t n)
{
	void *p = __libc_memalign(align, n);

	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

/* The next malloc, free and posix_memalign in the lookup order (glibc's, or
 * a linked allocator's), looked up once.  dlsym may allocate: a malloc it
 * makes goes to glibc's, a free it makes is dropped (never seen happen). */
static void resolve_alloc(void)
{
	void *m, *f, *pm;

	resolving = 1;
	m = dlsym(RTLD_NEXT, "malloc");
	f = dlsym(RTLD_NEXT, "free");
	pm = dlsym(RTLD_NEXT, "posix_memalign");
	resolving = 0;
	heap_glibc = !m || m == (void *)__libc_malloc;
	real_posix_memalign = pm ? (int (*)(void **, size_t, size_t))pm : posix_memalign_glibc;
	real_free = f ? (void (*)(void *))f : __libc_free;
	__atomic_store_n(&real_malloc, m ? (void *(*)(size_t))m : __libc_malloc, __ATOMIC_RELEASE);
}

/* malloc(3): the next one's, and a look at the heap now and then */
void *malloc(size_t n)
{
	void *p;

	if (!__atomic_load_n(&real_malloc, __ATOMIC_ACQUIRE)) {
		if (resolving)
			return __libc_malloc(n);
		resolve_alloc();
	}
	p = real_malloc(n);
	heap_tick(n);
	if (n >= BIG_MIN_BYTES && p)
		big_alloc(p, n);
	return p;
}

/* posix_memalign(3): the next one's (NumPy-style aligned arrays) */
int posix_memalign(void **out, size_t align, size_t n)
{
	int rc;

	if (!__atomic_load_n(&real_malloc, __ATOMIC_ACQUIRE)) {
		if (resolving)
			return posix_memalign_glibc(out, align, n);
		resolve_alloc();
	}
	rc = real_posix_memalign(out, align, n);
	if (!rc && n >= BIG_MIN_BYTES)
		big_alloc(*out, n);
	return rc;
}

/* free(3): the next one's; a big block is forgotten first */
void free(void *p)
{
	if (!__atomic_load_n(&real_malloc, __ATOMIC_ACQUIRE)) {
		if (resolving)
			return;
		resolve_alloc();
	}
	big_free(p);
	real_free(p);
}

/* ---- at exit ---- */

struct lib_walk {
	int fd;
	double t;
};

static int each_lib(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct lib_walk *lw = arg;
	char line[512], real[PATH_MAX];

	(void)size;
	if (!info->dlpi_name || !info->dlpi_name[0])
		return 0;
	/* the file itself, as /proc/PID/maps names it (Debian's libblas.so.3 is
	 * an alternatives link), classified as the watcher classifies maps */
	if (!realpath(info->dlpi_name, real) || strlen(real) >= 400 || pf_wlib_of(real) < 0)
		return 0;
	emit(lw->fd, line, snprintf(line, sizeof(line), "lib\t%.6f\t%d\t=%s\n", lw->t, (int)getpid(), real));
	return 0;
}

static void report(void)
{
	struct lib_walk lw;
	char line[128];
	int flags = 0, fd;

	if (reported || !enabled())
		return;
	reported = 1;
	resolve();
	if (!looked && real_fetestexcept)
		flags = real_fetestexcept(WATCHED);
	fd = events_open();
	if (fd < 0)
		return;
	lw.fd = fd;
	lw.t = mono();
	if (flags)
		emit(fd, line, snprintf(line, sizeof(line), "cfpe\t%.6f\t%d\t%d\t%d\n", lw.t, (int)getpid(),
					!!(flags & FE_OVERFLOW), !!(flags & FE_INVALID)));
	dl_iterate_phdr(each_lib, &lw);
	if (sent_pid == getpid())
		for (int k = 0; k < SEND_SLOTS; k++)
			if (sent[k].sends >= 2)
				emit(fd, line, snprintf(line, sizeof(line), "resend\t%.6f\t%d\t%lu\t%zu\n",
							sent[k].t_repeat, (int)getpid(), sent[k].sends, sent[k].len));
	close(fd);
}

static void __attribute__((destructor)) at_exit(void)
{
	report();
}

/* a forked worker leaves by _exit: no destructors run */
void _exit(int status)
{
	report();
	syscall(SYS_exit_group, status);
	for (;;)
		;
}

void _Exit(int status)
{
	_exit(status);
}
