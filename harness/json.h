/* json.h — a small JSON DOM: build, serialise, parse strictly (corrupt results
 * files must be rejected, not half-read). */
#ifndef PF_JSON_H
#define PF_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum pf_jtype { PF_JNULL, PF_JBOOL, PF_JNUM, PF_JSTR, PF_JARR, PF_JOBJ };

struct pf_json {
	enum pf_jtype type;
	bool b;
	double num;
	char *str;
	char *key;		/* when a member of an object */
	struct pf_json *child;	/* first element / member */
	struct pf_json *last;
	struct pf_json *next;
	size_t n;
};

struct pf_json *pf_json_obj(void);
struct pf_json *pf_json_arr(void);
struct pf_json *pf_json_str(const char *s);
struct pf_json *pf_json_num(double d);	/* non-finite → null */
struct pf_json *pf_json_bool(bool b);
struct pf_json *pf_json_null(void);
/* Add to an object (key) or array (key NULL); returns val. */
struct pf_json *pf_json_add(struct pf_json *parent, const char *key, struct pf_json *val);
struct pf_json *pf_json_set_num(struct pf_json *o, const char *key, double d);
struct pf_json *pf_json_set_str(struct pf_json *o, const char *key, const char *s);
struct pf_json *pf_json_get(const struct pf_json *o, const char *key);
double pf_json_get_num(const struct pf_json *o, const char *key, double dflt);
const char *pf_json_get_str(const struct pf_json *o, const char *key);
void pf_json_free(struct pf_json *j);

/* Serialise (pretty, 2-space indent); caller frees. */
char *pf_json_dump(const struct pf_json *j);
/* Parse; NULL with a one-line error in err (with the byte offset). */
struct pf_json *pf_json_parse(const char *text, char *err, size_t errlen);
struct pf_json *pf_json_load(const char *path, char *err, size_t errlen);
/* Write atomically (temp file + rename). 0 or -1 with errno. */
int pf_json_save(const char *path, const struct pf_json *j);

#endif
