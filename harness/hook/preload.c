/* preload.c — libpitfalls-preload.so, `pitfalls watch`'s hook for any
 * program (C, C++, Fortran, or the interpreter of a script), loaded with
 * LD_PRELOAD.  It tells, when each process exits, two things the outside
 * cannot see reliably:
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
 *
 * Lines go to PITFALLS_WATCH_EVENTS in the Python hook's format (O_APPEND,
 * one write a line; t is CLOCK_MONOTONIC, as Python's time.monotonic()).
 * "Exit" is exit(), a return from main, or _exit / _Exit (forked workers).
 * Limits: the exiting thread's flags only, and a process killed by a signal
 * says nothing.  A forked child inherits its parent's flags and whether it
 * looked.  Without PITFALLS_WATCH_EVENTS it does nothing at all. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <fcntl.h>
#include <fenv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../wlib.h"

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
	const char *path = getenv("PITFALLS_WATCH_EVENTS");
	struct lib_walk lw;
	char line[128];
	int flags = 0, fd;

	if (reported || !path || !*path)
		return;
	reported = 1;
	resolve();
	if (!looked && real_fetestexcept)
		flags = real_fetestexcept(WATCHED);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	lw.fd = fd;
	lw.t = mono();
	if (flags)
		emit(fd, line, snprintf(line, sizeof(line), "cfpe\t%.6f\t%d\t%d\t%d\n", lw.t, (int)getpid(),
					!!(flags & FE_OVERFLOW), !!(flags & FE_INVALID)));
	dl_iterate_phdr(each_lib, &lw);
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
