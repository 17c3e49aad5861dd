/* Reading one header field out of a stored (wire-form) header block. */
#ifndef LOOM_HEADER_H
#define LOOM_HEADER_H

#include <stddef.h>
#include <stdint.h>

/*
 * Find the first field called `name` (case-insensitive) in the header block
 * wire[0..len): CRLF lines, dot-stuffed, ending before the empty line.
 * Writes its value to out as HDR and OVER want it (RFC 3977 8.3.2, 8.5.2):
 * unfolded (CRLF pairs removed), each TAB, CR or LF turned into a space,
 * leading whitespace dropped, truncated to outlen - 1 octets, NUL
 * terminated.  Returns 1 if found, 0 if not (out is then "").
 */
int	header_find(const char *wire, size_t len, const char *name, char *out,
	    size_t outlen);

/*
 * Field `index` (0-based) of a TAB-separated overview tail
 * ("Subject\tFrom\tDate\t...") into out, truncated to outlen - 1 octets,
 * NUL terminated; "" past the last field.
 */
void	overview_field(const char *ov, size_t len, int index, char *out,
	    size_t outlen);

/*
 * Xref values as the store keeps them: "group:number group:number",
 * without the host.  This is the one parser of them in the server.
 */
struct xref_entry {
	const char	*group;		/* not NUL-terminated */
	size_t		 group_len;	/* 0 for an entry without a group */
	uint32_t	 number;	/* 0 when absent or not a number */
};

/*
 * The next entry of the Xref value at *p into e, advancing *p past it.
 * Entries are separated by runs of spaces; the group ends at the first
 * ":" (the whole entry without one).  Returns 1, or 0 at the end.
 */
int	xref_next(const char **p, struct xref_entry *e);

/* The article's number in `group` according to xref, or 0. */
uint32_t xref_number_in(const char *xref, const char *group);

/*
 * Call match(group, arg) for each group of an Xref value as the store keeps
 * it ("group:number group:number", without the host) until one returns
 * non-zero; returns that value, or 0 when none matched.  Groups longer
 * than 250 octets are skipped.
 */
int	xref_any_group(const char *xref, int (*match)(const char *group,
	    void *arg), void *arg);

#endif /* LOOM_HEADER_H */
