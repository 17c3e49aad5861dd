/* Turning a checked article into its store record, and the checks every
   incoming article shares. */
#include <string.h>

#include "article.h"
#include "datetime.h"
#include "feeder.h"
#include "filter_rules.h"
#include "intake.h"

void
intake_record(struct server *srv, struct store_article *art,
    const struct article *a, const struct article_thread *t,
    uint32_t *numbers, char feed_names[SERVER_FEEDS_MAX][STORE_PEER_MAX + 1],
    const char **feeds, time_t now)
{
	const char	*date = article_header_get(a, "Date");
	time_t		 posted;

	/* Siblings sort by posting time; a Date that does not parse (it
	   was checked, so only a far edge case) counts as now. */
	if (date == NULL || rfc5322_date_parse(date, strlen(date), &posted,
	    NULL) == -1)
		posted = now;
	memset(art, 0, sizeof(*art));
	art->msgid = t->msgid;
	art->wire = a->wire;
	art->wire_len = a->wire_len;
	art->header_len = a->header_len;
	art->stuffed_dots = a->stuffed_dots;
	art->lines = (uint32_t)a->lines;
	art->groups = t->groups;
	art->ngroups = t->ngroups;
	art->parent = t->parent;
	art->references = t->refs;
	art->nreferences = t->nrefs;
	art->overview = t->overview;
	art->arrival = now;
	art->posted = posted;
	art->numbers = numbers;
	art->feeds = feeds;
	art->nfeeds = feeder_select(srv, a, t, feed_names, feeds,
	    SERVER_FEEDS_MAX);
}

int
intake_filter_rules(const struct config *cfg, const struct article *a,
    char *reason, size_t len)
{
	struct filter_rules	r;

	memset(&r, 0, sizeof(r));
	r.max_crosspost = cfg->filter_max_crosspost;
	r.max_followup = cfg->filter_max_followup;
	r.patterns = cfg->reject_headers;
	r.npatterns = cfg->nreject_headers;
	return (filter_rules_check(&r, a, reason, len));
}
