/*
 * Cancel and Supersedes targets, Control verbs, Cancel-Lock elements
 * (cancel.h).  Pure.
 */
#include <ctype.h>
#include <string.h>

#include "article.h"
#include "cancel.h"
#include "ctlmsg.h"
#include "msgid.h"

/* One message-id with nothing but white space around it, into out. */
static int
cancel_one_msgid(const char *v, char *out)
{
	const char	*end;
	size_t		 n;

	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - v);
	if (n == 0 || n > 250 || !msgid_valid(v, n))
		return (-1);
	memcpy(out, v, n);
	out[n] = '\0';
	return (0);
}

int
cancel_target(const struct article *a, char *target, const char **reason)
{
	const struct article_header	*h, *mid;
	struct ctlmsg			 c;
	char				 why[ARTICLE_REASON_MAX];
	int				 kind;

	/* Control fields are parsed by ctlmsg alone; a cancel's argument
	   is checked here, where its one message-id is needed. */
	h = article_header_by_id(a, ART_H_CONTROL);
	if (h != NULL && ctlmsg_parse(h->value, &c, why, sizeof(why)) == -1 &&
	    c.verb == CTLMSG_NONE) {
		*reason = "Malformed Control header";
		return (-1);
	}
	switch (h != NULL ? c.verb : CTLMSG_NONE) {
	case CTLMSG_CANCEL:
		if (cancel_one_msgid(c.args, target) == -1) {
			*reason = "Control: cancel needs one message-id";
			return (-1);
		}
		kind = CANCEL_CANCEL;
		break;
	default:
		/* RFC 5537 5.4: a control message supersedes nothing. */
		return (CANCEL_NONE);
	case CTLMSG_NONE:
		if ((h = article_header_by_id(a, ART_H_SUPERSEDES)) == NULL ||
		    h->valuelen == 0)
			return (CANCEL_NONE);
		if (cancel_one_msgid(h->value, target) == -1) {
			*reason = "Supersedes must hold one message-id";
			return (-1);
		}
		kind = CANCEL_SUPERSEDE;
		break;
	}
	mid = article_header_by_id(a, ART_H_MESSAGE_ID);
	if (mid != NULL && strcmp(mid->value, target) == 0) {
		*reason = "An article cannot withdraw itself";
		return (-1);
	}
	return (kind);
}

/* RFC 8315 2.1: scheme = token, the string base64 (and "=" padding). */
static int
cancel_element_ok(const char *s, size_t n)
{
	const char	*colon = memchr(s, ':', n);
	size_t		 i;

	if (colon == NULL || colon == s || colon == s + n - 1)
		return (0);
	for (i = 0; s + i < colon; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return (0);
	for (i = (size_t)(colon - s) + 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' &&
		    s[i] != '/' && s[i] != '=')
			return (0);
	return (1);
}

int
cancel_elements(const char *value, char *out, size_t outlen)
{
	const char	*p = value, *start;
	size_t		 o = 0, n;
	int		 depth, count = 0;

	if (outlen == 0)
		return (-1);
	out[0] = '\0';
	while (*p != '\0') {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		if (*p == '(') {
			/* A comment, nested, with quoted pairs (RFC 5322
			   3.2.2); an unclosed one ends the value. */
			for (depth = 0; *p != '\0'; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')' && --depth == 0) {
					p++;
					break;
				}
			}
			continue;
		}
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\r' &&
		    *p != '\n' && *p != '(')
			p++;
		n = (size_t)(p - start);
		if (!cancel_element_ok(start, n))
			continue;
		if (o + (o > 0) + n + 1 > outlen)
			return (-1);
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, start, n);
		o += n;
		out[o] = '\0';
		count++;
	}
	return (count);
}
