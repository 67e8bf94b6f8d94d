/* util.c — buffers, allocation, files: the small things every harness file uses. */
#define _GNU_SOURCE
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(void)
{
	fprintf(stderr, "pitfalls: out of memory\n");
	abort();
}

void *pf_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *pf_xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		oom();
	return p;
}

char *pf_xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		oom();
	return d;
}

char *pf_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	return s;
}

static void buf_grow(struct pf_buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	b->cap = (b->len + more + 1) * 2;
	b->data = pf_xrealloc(b->data, b->cap);
}

void pf_buf_putc(struct pf_buf *b, char c)
{
	buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = 0;
}

void pf_buf_puts(struct pf_buf *b, const char *s)
{
	size_t n = strlen(s);

	buf_grow(b, n);
	memcpy(b->data + b->len, s, n + 1);
	b->len += n;
}

void pf_buf_printf(struct pf_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *pf_read_file(const char *path, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct pf_buf b = { 0 };
	char chunk[8192];
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf_grow(&b, 0);
	b.data[0] = 0;	/* an empty file is "" */
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		buf_grow(&b, (size_t)n);
		memcpy(b.data + b.len, chunk, (size_t)n);
		b.len += (size_t)n;
		b.data[b.len] = 0;
	}
	if (n < 0) {
		int e = errno;

		free(b.data);
		close(fd);
		errno = e;
		return NULL;
	}
	close(fd);
	if (lenp)
		*lenp = b.len;
	return b.data;
}

/* The first write of this process that failed: the run stops on it (exit 3). */
static struct { char path[1024]; char why[256]; bool failed; } write_failure;

/* "No space left on device (ENOSPC)" */
const char *pf_errno_str(int err, char *out, size_t len)
{
	const char *name = strerrorname_np(err);

	snprintf(out, len, "%s (%s)", strerror(err), name ? name : "?");
	return out;
}

void pf_note_write_failure(const char *path, const char *why)
{
	if (write_failure.failed)
		return;
	write_failure.failed = true;
	snprintf(write_failure.path, sizeof(write_failure.path), "%s", path);
	snprintf(write_failure.why, sizeof(write_failure.why), "%s", why);
}

void pf_note_write_error(const char *path, int err)
{
	char why[256];

	pf_note_write_failure(path, pf_errno_str(err ? err : EIO, why, sizeof(why)));
}

bool pf_write_error(char *line, size_t len)
{
	if (write_failure.failed && line)
		snprintf(line, len, "could not write %s: %s", write_failure.path, write_failure.why);
	return write_failure.failed;
}

void pf_write_error_reset(void)
{
	memset(&write_failure, 0, sizeof(write_failure));
}

/* Whole file or nothing: written to a temporary name, fsync'd, renamed.
 * A failure is also noted (pf_note_write_error) with the final path. */
int pf_write_atomic(const char *path, const void *data, size_t len)
{
	char *tmp = pf_xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	const char *p = data;
	int rc = -1, e = 0;

	if (fd < 0) {
		e = errno;
		goto out;
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			(void)unlink(tmp);
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS) {
		e = errno;
		close(fd);
		(void)unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		(void)unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	if (rc) {
		pf_note_write_error(path, e);
		errno = e;
	}
	return rc;
}

int pf_mkdir_p(const char *path)
{
	char *p = pf_xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		rc = -1;
	else if (rc == -1)
		rc = 0;	/* an intermediate failure that did not stop the leaf */
	free(p);
	return rc;
}

int pf_rm_rf(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sub = pf_xasprintf("%s/%s", path, e->d_name);
		if (pf_rm_rf(sub) < 0)
			rc = -1;
		free(sub);
	}
	closedir(d);
	if (rmdir(path) < 0)
		rc = -1;
	return rc;
}

void pf_fmt_bytes(char *out, size_t len, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	int u = 0;

	if (bytes < 0) {
		snprintf(out, len, "n/a");
		return;
	}
	while (bytes >= 1024 && u < 5) {
		bytes /= 1024;
		u++;
	}
	snprintf(out, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

const char *pf_home(void)
{
	const char *h = getenv("PITFALLS_HOME");

	return h && *h ? h : PF_SOURCE_DIR;
}

void pf_setenv_list(const char *name, const char *value, bool first)
{
	const char *old = getenv(name);
	char *v = !old || !*old ? pf_xstrdup(value)
		  : first ? pf_xasprintf("%s:%s", value, old) : pf_xasprintf("%s:%s", old, value);

	setenv(name, v, 1);
	free(v);
}

int pf_exe_sibling(const char *name, char *path, size_t len)
{
	char self[1024], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return -1;
	self[n] = 0;
	slash = strrchr(self, '/');
	if (!slash)
		return -1;
	*slash = 0;
	if (snprintf(path, len, "%s/%s", self, name) >= (int)len)
		return -1;
	return access(path, R_OK) == 0 ? 0 : -1;
}

/* pread the whole of fd from offset 0 (NULL on an error). */
static char *pread_all(int fd)
{
	struct pf_buf b = { 0 };
	off_t off = 0;
	ssize_t n;

	buf_grow(&b, 8192);
	b.data[0] = 0;
	while ((n = pread(fd, b.data + b.len, b.cap - b.len - 1, off)) > 0) {
		b.len += (size_t)n;
		off += n;
		b.data[b.len] = 0;
		buf_grow(&b, 8192);
	}
	if (n < 0) {
		free(b.data);
		return NULL;
	}
	return b.data;
}

/* The cache's entry for path, opened on first use: its index, -1 when the
 * file cannot be opened, -2 when the cache cannot take it (full, or too long
 * a path). */
static int cache_entry(struct pf_fdcache *c, const char *path)
{
	int i, fd;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->e[i].path, path))
			return i;
	if (c->n == PF_FDCACHE_N || strlen(path) >= sizeof(c->e[0].path))
		return -2;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	snprintf(c->e[c->n].path, sizeof(c->e[0].path), "%s", path);
	c->e[c->n].fd = fd;
	return c->n++;
}

static void cache_forget(struct pf_fdcache *c, int i)
{
	close(c->e[i].fd);
	c->e[i] = c->e[--c->n];	/* the last entry takes its place */
}

char *pf_cache_read(struct pf_fdcache *c, const char *path)
{
	int i;
	char *s;

	if (!c)
		return pf_read_file(path, NULL);
	if ((i = cache_entry(c, path)) == -2)
		return pf_read_file(path, NULL);	/* full: read it the plain way */
	if (i < 0)
		return NULL;
	if (!(s = pread_all(c->e[i].fd)))
		cache_forget(c, i);	/* gone */
	return s;
}

ssize_t pf_cache_pread(struct pf_fdcache *c, const char *path, char *buf, size_t len)
{
	int i = c ? cache_entry(c, path) : -2, fd;
	ssize_t n;

	if (len < 2)
		return -1;
	if (i == -2) {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return -1;
		n = read(fd, buf, len - 1);
		close(fd);
	} else if (i < 0) {
		return -1;
	} else if ((n = pread(c->e[i].fd, buf, len - 1, 0)) < 0) {
		cache_forget(c, i);
	}
	if (n < 0 || n == (ssize_t)len - 1)
		return -1;	/* gone, or longer than buf */
	buf[n] = 0;
	return n;
}

void pf_cache_close(struct pf_fdcache *c)
{
	for (int i = 0; c && i < c->n; i++)
		close(c->e[i].fd);
	if (c)
		c->n = 0;
}

double pf_read_num_file(const char *path)
{
	char *s = pf_read_file(path, NULL);
	double d = -1;

	if (s) {
		char *end;
		double v = strtod(s, &end);

		if (end != s)
			d = v;
		free(s);
	}
	return d;
}

double pf_keyed(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, key, klen) && (line[klen] == ' ' || line[klen] == ':' || line[klen] == '\t'))
			return strtod(line + klen + 1, NULL);
	return -1;
}

double pf_read_keyed(const char *path, const char *key)
{
	char *s = pf_read_file(path, NULL);
	double d;

	if (!s)
		return -1;
	d = pf_keyed(s, key);
	free(s);
	return d;
}

/* Back up from the end of a cut string to the start of its last character. */
static void utf8_trim(char *dst, size_t used)
{
	size_t i = used, cont = 0;

	while (i > 0 && ((unsigned char)dst[i - 1] & 0xC0) == 0x80) {
		i--;
		cont++;
	}
	if (i > 0 && ((unsigned char)dst[i - 1] & 0x80)) {
		unsigned char lead = (unsigned char)dst[i - 1];
		size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;

		if (cont < need)
			dst[i - 1] = 0;
	}
}

void pf_strlcpy_utf8(char *dst, const char *s, size_t len)
{
	size_t n = strlen(s);

	if (!len)
		return;
	if (n < len) {
		memmove(dst, s, n + 1);
		return;
	}
	memmove(dst, s, len - 1);
	dst[len - 1] = 0;
	utf8_trim(dst, len - 1);
}

void pf_vsnprintf_utf8(char *dst, size_t len, const char *fmt, va_list ap)
{
	int n;

	if (!len)
		return;
	n = vsnprintf(dst, len, fmt, ap);
	if (n >= 0 && (size_t)n >= len)
		utf8_trim(dst, len - 1);
}

void pf_snprintf_utf8(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pf_vsnprintf_utf8(dst, len, fmt, ap);
	va_end(ap);
}
