/* Message-ID syntax (RFC 5536 3.1.3, RFC 3977 3.6). */
#include <string.h>

#include "msgid.h"
#include "nntp.h"

/* RFC 5322 3.2.3 atext: printable US-ASCII except specials. */
static int
msgid_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* dot-atom-text: 1*atext *("." 1*atext), the whole of s[0..len). */
static int
msgid_dot_atom_text(const char *s, size_t len)
{
	size_t	i;
	int	need_atext = 1;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (need_atext)
				return (0);
			need_atext = 1;
		} else if (msgid_atext((unsigned char)s[i]))
			need_atext = 0;
		else
			return (0);
	}
	return (!need_atext);
}

/*
 * no-fold-literal: "[" *mdtext "]", mdtext being printable US-ASCII except
 * "[", "]", "\" and ">" (RFC 5536 3.1.3 drops RFC 5322's obs forms).
 */
static int
msgid_no_fold_literal(const char *s, size_t len)
{
	size_t	i;

	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return (0);
	for (i = 1; i < len - 1; i++) {
		unsigned char c = s[i];

		if (c < 33 || c > 126 || c == '>' || c == '[' || c == ']' ||
		    c == '\\')
			return (0);
	}
	return (1);
}

int
msgid_valid(const char *s, size_t len)
{
	const char	*at;
	size_t		 left, right;

	if (s == NULL || len < 3 || len > NNTP_MSGID_MAX || s[0] != '<' ||
	    s[len - 1] != '>')
		return (0);
	/* atext has no "@", so the first one ends id-left. */
	if ((at = memchr(s + 1, '@', len - 2)) == NULL)
		return (0);
	left = (size_t)(at - (s + 1));
	right = (size_t)((s + len - 1) - (at + 1));
	if (!msgid_dot_atom_text(s + 1, left))
		return (0);
	return (msgid_dot_atom_text(at + 1, right) ||
	    msgid_no_fold_literal(at + 1, right));
}

int
msgid_valid_nntp(const char *s, size_t len)
{
	size_t	i;

	if (s == NULL || len < 3 || len > NNTP_MSGID_MAX || s[0] != '<' ||
	    s[len - 1] != '>')
		return (0);
	for (i = 1; i < len - 1; i++) {
		unsigned char c = s[i];

		if (c < 0x21 || c > 0x7e || c == '>')
			return (0);
	}
	return (1);
}
