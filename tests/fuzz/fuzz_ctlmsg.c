/*
 * libFuzzer: proto/ctlmsg.c on arbitrary articles (lines split at LF):
 * the Control field, the sender, the newgroup and checkgroups bodies,
 * the scope, pgpverify's signed text and gpgv's status parser.  Every
 * control article a peer sends reaches these.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "ctlmsg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct article_parser	*p;
	struct article		*a = NULL;
	struct ctlmsg		 c;
	const char		*s = (const char *)data, *end = s + size, *nl;
	const char		*v, *body, *q, *bend;
	char			 r[ARTICLE_REASON_MAX], addr[CTLMSG_ADDR_MAX + 1];
	char			 name[CTLMSG_GROUP_MAX + 1];
	char			 desc[CTLMSG_DESC_MAX + 1], who[64];
	char			*text, *sig;
	size_t			 tlen, slen, n = 0;

	/* gpgv's status lines: any octets. */
	ctlmsg_gpgv_signer(s, size, "news.admin.test", who, sizeof(who));
	ctlmsg_gpgv_signer(s, size, "0123456789abcdef", who, sizeof(who));

	if ((p = article_parser_new(NULL)) == NULL)
		return (0);
	while (s < end) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		article_parser_push(p, s, (size_t)(nl - s));
		s = nl + 1;
	}
	if (article_parser_finish(p, &a) != ARTICLE_OK) {
		article_parser_free(p);
		return (0);
	}
	article_parser_free(p);

	article_control_verb(a);
	if (ctlmsg_sender(a, addr, sizeof(addr)) == 0 &&
	    strlen(addr) >= sizeof(addr))
		abort();
	body = a->wire + a->header_len + 2;
	bend = a->wire + a->wire_len;
	if ((v = article_header_get(a, "Control")) != NULL &&
	    ctlmsg_parse(v, &c, r, sizeof(r)) == 0) {
		if (c.verb == CTLMSG_NEWGROUP &&
		    ctlmsg_newgroup_desc(body, (size_t)(bend - body), c.group,
		    desc, sizeof(desc)) == 1 && strlen(desc) >= sizeof(desc))
			abort();
		q = body;
		while (ctlmsg_checkgroups_next(&q, bend, name, sizeof(name),
		    desc, sizeof(desc))) {
			if (!article_newsgroup_valid(name, strlen(name)) ||
			    q > bend)
				abort();
			ctlmsg_in_scope(name, c.scope);
			if (++n > size)
				abort();	/* must advance */
		}
	}
	if (ctlmsg_pgp_text(a, &text, &tlen, &sig, &slen, r, sizeof(r)) ==
	    0) {
		if (strlen(text) != tlen || strlen(sig) != slen)
			abort();
		free(text);
		free(sig);
	}
	article_free(a);
	return (0);
}
