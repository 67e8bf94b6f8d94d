/* profile.c — call-stack sampling of a variant (or of a watched program):
 * perf_event_open with the cpu-clock software event (no PMU needed), call
 * chains of user and kernel frames, inherited by every thread and child; one
 * event and one mmap ring buffer per online CPU (the kernel refuses to mmap an
 * inherited per-task event).  The parent drains the buffers while the child
 * runs and symbolises as it goes: kernel frames from /proc/kallsyms (when
 * readable), user frames from the process's mappings (its /proc/<pid>/maps at
 * start, then the MMAP2 / FORK / COMM(exec) records the kernel sends) and the
 * ELF symbol tables of the mapped files (.symtab, else .dynsym; Debian's
 * /usr/lib/debug/.build-id files when installed).  At the end: folded stacks
 * and a flame graph (flame.c), and shares of samples under named frames. */
#define _GNU_SOURCE
#include "internal.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RING_PAGES 256		/* data pages per CPU (1 MiB): 10 ms of 999 Hz deep stacks fit many times */
#define MAX_FRAMES 256

/* ---- ELF symbols ---- */

struct elf_sym {
	uint64_t addr, size;
	const char *name;
};

struct elf_load {
	uint64_t off, vaddr, filesz;
};

struct elf_file {
	char *path;
	bool ok;
	struct elf_sym *sym;
	size_t nsym;
	char *strings;		/* every name, one block */
	struct elf_load load[16];
	int nload;
};

static int cmp_sym(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* A 64-bit ELF file mapped read-only, its header tables inside it; NULL if not. */
static const unsigned char *elf_map(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	const unsigned char *m = MAP_FAILED;
	const Elf64_Ehdr *eh;

	if (fd >= 0 && fstat(fd, &st) == 0 && (size_t)st.st_size >= sizeof(Elf64_Ehdr))
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (fd >= 0)
		close(fd);
	if (m == MAP_FAILED)
		return NULL;
	*size = (size_t)st.st_size;
	eh = (const Elf64_Ehdr *)m;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > *size ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > *size) {
		munmap((void *)m, *size);
		return NULL;
	}
	return m;
}

/* The name of a function symbol (NULL: not a function, or a bad name). */
static const char *func_name(const Elf64_Sym *sy, const unsigned char *m, const Elf64_Shdr *strs)
{
	const char *name;

	if (ELF64_ST_TYPE(sy->st_info) != STT_FUNC && ELF64_ST_TYPE(sy->st_info) != STT_GNU_IFUNC)
		return NULL;
	if (!sy->st_value || sy->st_name >= strs->sh_size)
		return NULL;
	name = (const char *)(m + strs->sh_offset + sy->st_name);
	return memchr(name, 0, strs->sh_size - sy->st_name) ? name : NULL;
}

/* Function symbols of one ELF image (an mmap of `path`), appended to e. */
static int elf_read_syms(struct elf_file *e, const char *path, bool want_loads)
{
	size_t fsize, strbytes = 0, nsym = 0, used;
	const unsigned char *m = elf_map(path, &fsize);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;
	const Elf64_Shdr *sh;
	int rc = -1, pass;

	if (!m)
		return -1;
	if (want_loads) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(m + eh->e_phoff);

		for (int i = 0; i < eh->e_phnum && e->nload < 16; i++)
			if (ph[i].p_type == PT_LOAD)
				e->load[e->nload++] = (struct elf_load){ ph[i].p_offset, ph[i].p_vaddr, ph[i].p_filesz };
	}
	sh = (const Elf64_Shdr *)(m + eh->e_shoff);
	/* .symtab when there is one (it holds the local functions), else .dynsym */
	for (pass = 0; pass < 2 && nsym == 0; pass++) {
		uint32_t want = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;

		for (int i = 0; i < eh->e_shnum; i++) {
			const Elf64_Shdr *s = &sh[i], *strs;
			const Elf64_Sym *sy;
			size_t n;

			if (s->sh_type != want || s->sh_link >= eh->e_shnum || s->sh_entsize != sizeof(Elf64_Sym))
				continue;
			strs = &sh[s->sh_link];
			if (s->sh_offset + s->sh_size > fsize || strs->sh_offset + strs->sh_size > fsize)
				continue;
			sy = (const Elf64_Sym *)(m + s->sh_offset);
			n = s->sh_size / sizeof(Elf64_Sym);
			for (size_t k = 0; k < n; k++) {
				const char *name = func_name(&sy[k], m, strs);

				if (name) {
					nsym++;
					strbytes += strlen(name) + 1;
				}
			}
			if (!nsym)
				continue;
			e->sym = pf_xrealloc(e->sym, (e->nsym + nsym) * sizeof(*e->sym));
			e->strings = pf_xcalloc(strbytes, 1);
			used = 0;
			for (size_t k = 0; k < n; k++) {
				const char *name = func_name(&sy[k], m, strs);

				if (!name)
					continue;
				memcpy(e->strings + used, name, strlen(name) + 1);
				e->sym[e->nsym++] = (struct elf_sym){ sy[k].st_value, sy[k].st_size, e->strings + used };
				used += strlen(name) + 1;
			}
			break;
		}
	}
	rc = 0;
	munmap((void *)m, fsize);
	return rc;
}

/* The build-id note of an ELF file, as hex; "" when none. */
static void elf_build_id(const char *path, char *hex, size_t len)
{
	size_t fsize;
	const unsigned char *m = elf_map(path, &fsize);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)m;

	hex[0] = 0;
	if (!m)
		return;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(m + eh->e_phoff) + i;
		uint64_t p, end;

		if (ph->p_type != PT_NOTE || ph->p_offset + ph->p_filesz > fsize)
			continue;
		for (p = ph->p_offset, end = p + ph->p_filesz; p + sizeof(Elf64_Nhdr) <= end;) {
			const Elf64_Nhdr *nh = (const Elf64_Nhdr *)(m + p);
			uint64_t name = p + sizeof(*nh), desc = name + ((nh->n_namesz + 3) & ~3u);

			if (desc + nh->n_descsz > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(m + name, "GNU", 4) &&
			    nh->n_descsz * 2 + 1 <= len) {
				for (uint32_t k = 0; k < nh->n_descsz; k++)
					snprintf(hex + 2 * k, 3, "%02x", m[desc + k]);
				goto out;
			}
			p = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
out:
	munmap((void *)m, fsize);
}

static void elf_load(struct elf_file *e)
{
	char id[128], *dbg;

	if (elf_read_syms(e, e->path, true) < 0)
		return;
	e->ok = true;
	/* Debian's detached debug symbols (libc6-dbg …): the local functions */
	elf_build_id(e->path, id, sizeof(id));
	if (strlen(id) > 2) {
		dbg = pf_xasprintf("/usr/lib/debug/.build-id/%.2s/%s.debug", id, id + 2);
		if (access(dbg, R_OK) == 0) {
			struct elf_file d = { 0 };

			if (elf_read_syms(&d, dbg, false) == 0 && d.nsym) {
				free(e->sym);
				free(e->strings);
				e->sym = d.sym;
				e->nsym = d.nsym;
				e->strings = d.strings;
			} else {
				free(d.sym);
				free(d.strings);
			}
		}
		free(dbg);
	}
	qsort(e->sym, e->nsym, sizeof(*e->sym), cmp_sym);
}

/* The function holding file offset `off` of e, or NULL. */
static const char *elf_lookup(const struct elf_file *e, uint64_t off)
{
	uint64_t va = 0;
	bool found = false;
	size_t lo = 0, hi = e->nsym;

	for (int i = 0; i < e->nload && !found; i++)
		if (off >= e->load[i].off && off < e->load[i].off + e->load[i].filesz) {
			va = off - e->load[i].off + e->load[i].vaddr;
			found = true;
		}
	if (!found || !e->nsym)
		return NULL;
	while (lo < hi) {	/* the last symbol starting at or below va */
		size_t mid = (lo + hi) / 2;

		if (e->sym[mid].addr <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* several symbols may share an address; any that covers va will do */
	for (size_t i = lo; i-- > 0 && e->sym[i].addr == e->sym[lo - 1].addr;)
		if (va < e->sym[i].addr + (e->sym[i].size ? e->sym[i].size : 1))
			return e->sym[i].name;
	return NULL;
}

/* ---- kernel symbols ---- */

struct ksyms {
	struct elf_sym *sym;
	size_t n;
	char *strings;
	bool ok;
};

static void ksyms_load(struct ksyms *k)
{
	char *text = pf_read_file("/proc/kallsyms", NULL), *save = NULL;
	size_t cap = 0, nonzero = 0;

	if (!text)
		return;
	k->strings = text;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp1 = strchr(line, ' '), *sp2, *tab;
		uint64_t a;

		if (!sp1 || !(sp2 = strchr(sp1 + 1, ' ')))
			continue;
		if (sp1[1] != 't' && sp1[1] != 'T' && sp1[1] != 'w' && sp1[1] != 'W')
			continue;
		a = strtoull(line, NULL, 16);
		nonzero += a != 0;
		if ((tab = strchr(sp2 + 1, '\t')))
			*tab = 0;	/* "\t[module]" */
		if (k->n == cap) {
			cap = cap ? 2 * cap : 65536;
			k->sym = pf_xrealloc(k->sym, cap * sizeof(*k->sym));
		}
		k->sym[k->n++] = (struct elf_sym){ a, 0, sp2 + 1 };
	}
	/* all-zero addresses: kptr_restrict hides them from us */
	k->ok = nonzero > 0;
	qsort(k->sym, k->n, sizeof(*k->sym), cmp_sym);
}

static const char *ksyms_lookup(const struct ksyms *k, uint64_t ip)
{
	size_t lo = 0, hi = k->n;

	if (!k->ok)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (k->sym[mid].addr <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? k->sym[lo - 1].name : NULL;
}

/* ---- address spaces of the sampled processes ---- */

struct pmap {
	uint64_t start, end, pgoff;
	struct elf_file *file;	/* interned; ok = false: not an ELF file ("[vdso]", anon) */
	const char *label;	/* basename, for unresolved frames */
};

struct pspace {
	int pid;
	char comm[32];
	struct pmap *m;
	size_t n, cap;
};

struct pf_profile {
	int ncpu;
	int *fd;
	void **ring;
	size_t ring_bytes;
	char note[256];
	bool kernel;
	int hz;
	struct ksyms ks;
	struct elf_file **files;
	size_t nfiles;
	struct pspace *sp;
	size_t nsp;
	struct pf_folded folded;
	struct pf_folded phase;	/* the samples since the last phase the variant reported */
	char phase_name[128];
	double lost, samples;
	char *rec;		/* one record copied out of the ring (wrap-around) */
};

static struct elf_file *file_get(struct pf_profile *p, const char *path)
{
	struct elf_file *e;

	for (size_t i = 0; i < p->nfiles; i++)
		if (!strcmp(p->files[i]->path, path))
			return p->files[i];
	e = pf_xcalloc(1, sizeof(*e));
	e->path = pf_xstrdup(path);
	if (path[0] == '/')
		elf_load(e);
	p->files = pf_xrealloc(p->files, (p->nfiles + 1) * sizeof(*p->files));
	p->files[p->nfiles++] = e;
	return e;
}

static struct pspace *space_get(struct pf_profile *p, int pid, bool create)
{
	for (size_t i = 0; i < p->nsp; i++)
		if (p->sp[i].pid == pid)
			return &p->sp[i];
	if (!create)
		return NULL;
	p->sp = pf_xrealloc(p->sp, (p->nsp + 1) * sizeof(*p->sp));
	memset(&p->sp[p->nsp], 0, sizeof(p->sp[0]));
	p->sp[p->nsp].pid = pid;
	snprintf(p->sp[p->nsp].comm, sizeof(p->sp[0].comm), "pid_%d", pid);
	return &p->sp[p->nsp++];
}

/* A new executable mapping: it replaces whatever it overlaps. */
static void space_map(struct pf_profile *p, struct pspace *s, uint64_t start, uint64_t len, uint64_t pgoff,
		      const char *path)
{
	struct pmap m = { start, start + len, pgoff, NULL, NULL };
	const char *slash;
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->m[i].end <= m.start || s->m[i].start >= m.end)
			s->m[k++] = s->m[i];
	s->n = k;
	/* interned: a file ("/…", read once) or a special name ("[vdso]") */
	m.file = file_get(p, path[0] ? path : "anon");
	slash = strrchr(m.file->path, '/');
	m.label = slash ? slash + 1 : m.file->path;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->m = pf_xrealloc(s->m, s->cap * sizeof(*s->m));
	}
	/* keep them sorted by start */
	k = s->n;
	while (k > 0 && s->m[k - 1].start > m.start) {
		s->m[k] = s->m[k - 1];
		k--;
	}
	s->m[k] = m;
	s->n++;
}

static void space_copy(struct pspace *to, const struct pspace *from)
{
	free(to->m);
	to->m = pf_xcalloc(from->n + 1, sizeof(*to->m));
	memcpy(to->m, from->m, from->n * sizeof(*to->m));
	to->n = from->n;
	to->cap = from->n + 1;
	snprintf(to->comm, sizeof(to->comm), "%s", from->comm);
}

/* The executable mappings of a live process, from /proc/<pid>/maps. */
static void space_read_maps(struct pf_profile *p, int pid)
{
	char path[64], *text, *save = NULL;
	struct pspace *s = space_get(p, pid, true);

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if ((text = pf_read_file(path, NULL))) {
		text[strcspn(text, "\n")] = 0;
		snprintf(s->comm, sizeof(s->comm), "%s", text);
		free(text);
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (!(text = pf_read_file(path, NULL)))
		return;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long a, b, off;
		char perm[8];
		int name = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &a, &b, perm, &off, &name) < 4 || perm[2] != 'x')
			continue;
		space_map(p, s, a, b - a, off, name ? line + name : "");
	}
	free(text);
}

/* One frame's name: "sym", "[lib.so]" when the file has no symbol there,
 * "sym_[k]" for the kernel. */
static void frame_name(struct pf_profile *p, const struct pspace *s, uint64_t ip, bool kernel, char *out,
		       size_t len)
{
	const char *name;

	if (kernel) {
		name = ksyms_lookup(&p->ks, ip);
		snprintf(out, len, "%s_[k]", name ? name : "[kernel]");
		return;
	}
	if (s) {
		size_t lo = 0, hi = s->n;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (s->m[mid].start <= ip)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo && ip < s->m[lo - 1].end) {
			const struct pmap *m = &s->m[lo - 1];

			name = m->file && m->file->ok ? elf_lookup(m->file, ip - m->start + m->pgoff) : NULL;
			if (name)
				snprintf(out, len, "%s", name);
			else
				snprintf(out, len, "[%s]", m->label && m->label[0] ? m->label : "anon");
			return;
		}
	}
	snprintf(out, len, "[unknown]");
}

static void handle_sample(struct pf_profile *p, const char *rec, size_t size)
{
	const uint64_t *ips;
	uint64_t nr;
	uint32_t pid;
	struct pspace *s;
	struct pf_buf stack = { 0 };
	char frames[MAX_FRAMES][160];
	int nf = 0;
	bool kernel = false;

	if (size < sizeof(struct perf_event_header) + 24)
		return;
	pid = *(const uint32_t *)(rec + sizeof(struct perf_event_header) + 8);
	nr = *(const uint64_t *)(rec + sizeof(struct perf_event_header) + 16);
	ips = (const uint64_t *)(rec + sizeof(struct perf_event_header) + 24);
	if (sizeof(struct perf_event_header) + 24 + nr * 8 > size)
		return;
	s = space_get(p, (int)pid, false);
	for (uint64_t i = 0; i < nr && nf < MAX_FRAMES; i++) {
		if (ips[i] >= (uint64_t)PERF_CONTEXT_MAX) {
			kernel = ips[i] == (uint64_t)PERF_CONTEXT_KERNEL;
			continue;
		}
		/* the same return address twice in a row: one frame */
		frame_name(p, s, ips[i], kernel, frames[nf], sizeof(frames[nf]));
		if (nf && !strcmp(frames[nf], frames[nf - 1]) && !kernel)
			continue;
		nf++;
	}
	pf_buf_puts(&stack, s ? s->comm : "[unknown]");
	for (int i = nf; i-- > 0;) {
		pf_buf_putc(&stack, ';');
		for (char *c = frames[i]; *c; c++)
			if (*c == ';' || *c == ' ')
				*c = '_';
		pf_buf_puts(&stack, frames[i]);
	}
	pf_folded_add(&p->folded, stack.data, 1);
	if (p->phase_name[0])
		pf_folded_add(&p->phase, stack.data, 1);
	p->samples++;
	free(stack.data);
}

/* The records of one ring: task/mmap records (pass 0) or samples (pass 1). */
static void handle_record(struct pf_profile *p, const char *rec, size_t size, int pass)
{
	const struct perf_event_header *h = (const void *)rec;
	const char *body = rec + sizeof(*h);

	if (pass == 1) {
		if (h->type == PERF_RECORD_SAMPLE)
			handle_sample(p, rec, size);
		return;
	}
	switch (h->type) {
	case PERF_RECORD_MMAP2:
		if (size >= sizeof(*h) + 64 + 1) {
			const uint32_t *pt = (const void *)body;
			const uint64_t *a = (const void *)(body + 8);
			char path[4096];

			snprintf(path, sizeof(path), "%.*s", (int)(size - sizeof(*h) - 64), body + 64);
			space_map(p, space_get(p, (int)pt[0], true), a[0], a[1], a[2], path);
		}
		break;
	case PERF_RECORD_FORK:
		if (size >= sizeof(*h) + 8) {
			const uint32_t *pt = (const void *)body;	/* pid, ppid, tid, ptid */
			struct pspace *parent = space_get(p, (int)pt[1], false);

			if (pt[0] != pt[1] && parent) {
				size_t i = (size_t)(parent - p->sp);
				struct pspace *child = space_get(p, (int)pt[0], true);

				space_copy(child, &p->sp[i]);
			}
		}
		break;
	case PERF_RECORD_COMM:
		if (size >= sizeof(*h) + 9) {
			const uint32_t *pt = (const void *)body;
			struct pspace *s = space_get(p, (int)pt[0], true);

			if (h->misc & PERF_RECORD_MISC_COMM_EXEC)
				s->n = 0;	/* a new image: its mappings follow */
			if (pt[0] == pt[1] || (h->misc & PERF_RECORD_MISC_COMM_EXEC))
				snprintf(s->comm, sizeof(s->comm), "%.15s", body + 8);
		}
		break;
	case PERF_RECORD_LOST:
		if (size >= sizeof(*h) + 16)
			p->lost += (double)((const uint64_t *)body)[1];
		break;
	default:
		break;
	}
}

/* Walk ring i's unread records; consume them only in the last pass. */
static void ring_walk(struct pf_profile *p, int i, int pass, bool consume)
{
	struct perf_event_mmap_page *mp = p->ring[i];
	char *data = (char *)p->ring[i] + mp->data_offset;
	uint64_t size = mp->data_size, head, tail = mp->data_tail;

	head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		uint64_t off = tail % size;

		for (size_t k = 0; k < sizeof(h); k++)
			((char *)&h)[k] = data[(off + k) % size];
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		for (size_t k = 0; k < h.size; k++)
			p->rec[k] = data[(off + k) % size];
		handle_record(p, p->rec, h.size, pass);
		tail += h.size;
	}
	if (consume)
		__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
}

void pf_profile_poll(struct pf_profile *p)
{
	if (!p)
		return;
	/* mappings of every CPU's ring before any sample: a process that exec'd
	 * on one CPU may be sampled on the other */
	for (int i = 0; i < p->ncpu; i++)
		if (p->ring[i])
			ring_walk(p, i, 0, false);
	for (int i = 0; i < p->ncpu; i++)
		if (p->ring[i])
			ring_walk(p, i, 1, true);
}

static int perf_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

struct pf_profile *pf_profile_start(pid_t pid, int hz, char *why, size_t len)
{
	struct pf_profile *p = pf_xcalloc(1, sizeof(*p));
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	struct perf_event_attr a;
	int err = 0;

	p->ncpu = ncpu > 0 ? (int)ncpu : 1;
	p->fd = pf_xcalloc((size_t)p->ncpu, sizeof(int));
	p->ring = pf_xcalloc((size_t)p->ncpu, sizeof(void *));
	p->ring_bytes = (size_t)(RING_PAGES + 1) * (size_t)sysconf(_SC_PAGESIZE);
	p->rec = pf_xcalloc(65536, 1);
	p->hz = hz > 0 ? hz : PF_PROFILE_HZ;
	p->kernel = true;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.freq = 1;
	a.sample_freq = (uint64_t)p->hz;
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_CALLCHAIN;
	a.inherit = 1;
	a.disabled = 1;
	a.mmap = 1;
	a.mmap2 = 1;
	a.comm = 1;
	a.comm_exec = 1;
	a.task = 1;
	for (int c = 0; c < p->ncpu; c++) {
		p->fd[c] = perf_open(&a, pid, c);
		if (p->fd[c] < 0 && (errno == EACCES || errno == EPERM) && p->kernel && c == 0) {
			/* perf_event_paranoid >= 2 without CAP_PERFMON: user frames only */
			a.exclude_kernel = 1;
			a.exclude_hv = 1;
			p->kernel = false;
			p->fd[c] = perf_open(&a, pid, c);
		}
		if (p->fd[c] < 0) {
			if (errno == ENODEV || errno == EINVAL || errno == ENOENT) {
				p->ring[c] = NULL;	/* an offline CPU */
				continue;
			}
			err = errno;
			break;
		}
		p->ring[c] = mmap(NULL, p->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, p->fd[c], 0);
		if (p->ring[c] == MAP_FAILED) {
			p->ring[c] = NULL;
			err = errno;
			break;
		}
	}
	if (err || !p->ring[0]) {
		snprintf(why, len, "perf_event_open(cpu-clock, pid %d, per CPU, inherit) + mmap: %s "
			 "(perf_event_paranoid %.0f)", (int)pid, strerror(err ? err : errno),
			 pf_read_num_file("/proc/sys/kernel/perf_event_paranoid"));
		pf_profile_free(p);
		return NULL;
	}
	if (p->kernel) {
		ksyms_load(&p->ks);
		snprintf(p->note, sizeof(p->note), "cpu-clock %d Hz, user + kernel frames%s", p->hz,
			 p->ks.ok ? "" : " (kernel unsymbolised: /proc/kallsyms addresses hidden)");
	} else {
		snprintf(p->note, sizeof(p->note), "cpu-clock %d Hz, user frames only: kernel frames not "
			 "allowed (perf_event_paranoid %.0f, no CAP_PERFMON)", p->hz,
			 pf_read_num_file("/proc/sys/kernel/perf_event_paranoid"));
	}
	space_read_maps(p, (int)pid);
	for (int c = 0; c < p->ncpu; c++)
		if (p->ring[c])
			(void)ioctl(p->fd[c], PERF_EVENT_IOC_ENABLE, 0);
	return p;
}

void pf_profile_free(struct pf_profile *p)
{
	if (!p)
		return;
	for (int c = 0; c < p->ncpu; c++) {
		if (p->ring && p->ring[c])
			munmap(p->ring[c], p->ring_bytes);
		if (p->fd && p->fd[c] > 0)
			close(p->fd[c]);
	}
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i]->path);
		free(p->files[i]->sym);
		free(p->files[i]->strings);
		free(p->files[i]);
	}
	for (size_t i = 0; i < p->nsp; i++)
		free(p->sp[i].m);
	free(p->files);
	free(p->sp);
	free(p->ks.sym);
	free(p->ks.strings);
	free(p->fd);
	free(p->ring);
	free(p->rec);
	pf_folded_free(&p->folded);
	pf_folded_free(&p->phase);
	free(p);
}

void pf_profile_phase(struct pf_profile *p, const char *name)
{
	if (!p)
		return;
	pf_profile_poll(p);	/* what came before is the previous phase's */
	pf_folded_free(&p->phase);
	pf_strlcpy_utf8(p->phase_name, name, sizeof(p->phase_name));
}

/* Frames whose samples the article counts: page-fault handling, madvise. */
static const char *const fault_frames[] = { "asm_exc_page_fault", "exc_page_fault", "do_user_addr_fault",
					    "handle_mm_fault", "page_fault", NULL };
static const char *const madvise_frames[] = { "*madvise*", NULL };

void pf_profile_shares(const struct pf_folded *f, bool kernel, double *fault, double *madv, double *ksh)
{
	*fault = kernel ? pf_folded_share(f, fault_frames, true) : NAN;
	*madv = kernel ? pf_folded_share(f, madvise_frames, true) : NAN;
	*ksh = kernel ? pf_folded_kernel_share(f) : NAN;
}

int pf_profile_stop(struct pf_profile *p, const char *dir, const char *name, const char *title,
		    struct pf_result *r)
{
	struct pf_buf text = { 0 }, svg = { 0 };
	double fault, madv, ksh;
	char *path;
	int rc = 0;

	if (!p)
		return 0;
	for (int c = 0; c < p->ncpu; c++)
		if (p->ring[c])
			(void)ioctl(p->fd[c], PERF_EVENT_IOC_DISABLE, 0);
	pf_profile_poll(p);
	pf_folded_text(&p->folded, &text);
	path = pf_xasprintf("%s/%s.folded", dir, name);
	if (pf_write_atomic(path, text.data ? text.data : "", text.len) < 0)
		rc = -1;
	free(path);
	pf_flame_svg(&p->folded, title, p->note, &svg);
	path = pf_xasprintf("%s/%s.flame.svg", dir, name);
	if (pf_write_atomic(path, svg.data, svg.len) < 0)
		rc = -1;
	free(path);
	if (r) {
		pf_profile_shares(&p->folded, p->kernel, &fault, &madv, &ksh);
		pf_result_add_text(r, "profile", p->note);
		pf_result_add_metric(r, "profile_hz", p->hz, "Hz");
		pf_result_add_metric(r, "profile_samples", p->samples, "1");
		pf_result_add_metric(r, "profile_lost", p->lost, "1");
		if (p->kernel && p->samples > 0) {
			pf_result_add_metric(r, "profile_fault_share", fault, "1");
			pf_result_add_metric(r, "profile_madvise_share", madv, "1");
			pf_result_add_metric(r, "profile_kernel_share", ksh, "1");
		}
		if (p->phase_name[0]) {
			pf_result_add_text(r, "profile_phase", p->phase_name);
			pf_result_add_metric(r, "profile_phase_samples", p->phase.total, "1");
		}
		if (p->phase_name[0] && p->kernel && p->phase.total > 0) {
			pf_profile_shares(&p->phase, p->kernel, &fault, &madv, &ksh);
			pf_result_add_metric(r, "profile_phase_fault_share", fault, "1");
			pf_result_add_metric(r, "profile_phase_madvise_share", madv, "1");
		}
	}
	free(text.data);
	free(svg.data);
	pf_profile_free(p);
	return rc;
}

/* ---- the profiler's own cost, measured in one process ---- */

struct spin {
	long iters;
	double sink;
};

/* A CPU-bound kernel with a real call depth (so each sample unwinds a stack). */
static __attribute__((noinline)) double spin_leaf(long n, double x)
{
	for (long i = 0; i < n; i++)
		x = x * 1.0000001 + 1e-9;
	return x;
}

static __attribute__((noinline)) double spin_mid(long n, double x)
{
	for (int k = 0; k < 8; k++)
		x = spin_leaf(n / 8, x);
	return x;
}

static double spin_run(void *arg)
{
	struct spin *s = arg;

	s->sink += spin_mid(s->iters, 1.0);
	return 0;
}

struct spin_profiled {
	struct spin s;
	struct pf_profile *p;
};

static double spin_profiled_run(void *arg)
{
	struct spin_profiled *sp = arg;

	for (int c = 0; c < sp->p->ncpu; c++)
		if (sp->p->ring[c])
			(void)ioctl(sp->p->fd[c], PERF_EVENT_IOC_ENABLE, 0);
	spin_run(&sp->s);
	for (int c = 0; c < sp->p->ncpu; c++)
		if (sp->p->ring[c])
			(void)ioctl(sp->p->fd[c], PERF_EVENT_IOC_DISABLE, 0);
	/* drained outside the sampled section: the parent does this in a run */
	pf_profile_poll(sp->p);
	return 0;
}

int pf_profile_cost_variant(struct pf_ctx *ctx)
{
	struct spin_profiled sp = { .s = { .iters = 200000000 } };
	struct spin plain = { .iters = sp.s.iters };
	struct pf_bench_arm arms[2] = {
		{ "unprofiled", spin_run, &plain },
		{ "profiled", spin_profiled_run, &sp },
	};
	struct pf_bench_opts bo = { .iterations = 1, .skip_warmup = false };
	struct pf_bench_stats st[2];
	char why[512];
	double t0;

	/* one kernel call of ~0.1-0.3 s: calibrate to about 0.15 s */
	t0 = pf_now();
	spin_run(&plain);
	t0 = pf_now() - t0;
	if (t0 > 0)
		plain.iters = sp.s.iters = (long)((double)plain.iters * 0.15 / t0);
	/* a timing figure: >= 9 interleaved repetitions from quick scale on */
	bo.repetitions = pf_reps(ctx);
	if (pf_scale(ctx) >= PF_QUICK && bo.repetitions < PF_RECOMMENDED_REPS)
		bo.repetitions = PF_RECOMMENDED_REPS;
	sp.p = pf_profile_start(getpid(), PF_PROFILE_HZ, why, sizeof(why));
	if (!sp.p)
		return pf_skip(ctx, "%s", why);
	for (int c = 0; c < sp.p->ncpu; c++)
		if (sp.p->ring[c])
			(void)ioctl(sp.p->fd[c], PERF_EVENT_IOC_DISABLE, 0);
	pf_text(ctx, "profile", "%s", sp.p->note);
	if (pf_bench_group(ctx, arms, 2, &bo, st) < 0) {
		pf_profile_free(sp.p);
		return pf_fail(ctx, "pf_bench_group failed");
	}
	pf_metric(ctx, "profile_hz", sp.p->hz, "Hz");
	pf_metric(ctx, "profile_samples", sp.p->samples, "1");
	pf_metric(ctx, "profile_cost", st[1].median / st[0].median - 1, "1");
	pf_profile_free(sp.p);
	return plain.sink + sp.s.sink == 0 ? pf_fail(ctx, "kernel optimised away") : PF_OK;
}
