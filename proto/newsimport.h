/*
 * The file formats an INN site is moved over with, and that loomctl
 * import/export read and write: rnews batches, mbox archives, INN's
 * active, newsgroups and (text) history files.  Pure: no I/O, no
 * allocation; each function looks at a caller's buffer and says where
 * things are in it.
 */
#ifndef LOOM_NEWSIMPORT_H
#define LOOM_NEWSIMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- rnews batches --------------------------------------------------- */

/*
 * The next article of an rnews batch in buf[*pos..len): "#! rnews N\n"
 * then N octets of article (native: LF line ends, not dot-stuffed), as
 * INN's rnews and innxmit exchange them.  Empty lines between articles
 * are skipped.  On 1, *art and *artlen locate the article and *pos is
 * past it; 0 at the end of the buffer; -1 on bad framing (*pos at the bad
 * line, a reason in *why): a missing or malformed "#! rnews" line, a
 * count running past the end, or a compressed batch ("#! cunbatch").
 */
int	rnews_next(const char *buf, size_t len, size_t *pos,
	    const char **art, size_t *artlen, const char **why);

/* The "#! rnews N\n" line for an article of artlen octets in buf (at
   least RNEWS_LINE_MAX octets); returns its length. */
#define RNEWS_LINE_MAX	32
size_t	rnews_line(char *buf, size_t artlen);

/* ---- mbox ------------------------------------------------------------ */

/*
 * The next message of an mbox in buf[*pos..len).  A message starts with a
 * "From " line at the start of the buffer or after an empty line (the
 * start of the buffer may be preceded by empty lines).  On 1: *from and
 * *fromlen locate the From_ line (without its LF), *msg and *msglen the
 * message after it up to, not including, the empty line that precedes
 * the next From_ line (or the end, less the empty line that ends the
 * last message); *pos moves past it.  0 at the end;
 * -1 if the buffer does not start with a From_ line (not an mbox).  The
 * message is still escaped: see mbox_unescape.
 */
int	mbox_next(const char *buf, size_t len, size_t *pos,
	    const char **from, size_t *fromlen, const char **msg,
	    size_t *msglen);

/*
 * mboxrd unescaping of one line: a line that is ">" repeated one or more
 * times then "From " loses its first ">" (mboxo archives, which escape
 * only "From " as ">From ", read the same way, except for a body line
 * that really began with ">From ").  Returns how many leading octets of
 * line[0..len) to drop: 1 or 0.
 */
size_t	mbox_unescape_skip(const char *line, size_t len);

/* The same for escaping on export: 1 if line needs a ">" in front. */
int	mbox_needs_escape(const char *line, size_t len);

/*
 * The envelope sender and time of a From_ line "From sender date...":
 * *sender and *senderlen locate the sender; *when gets the asctime(3)
 * date after it ("Thu Dec  4 19:04:19 2026", UTC assumed) or 0 when it
 * does not parse.  -1 if the line is not "From " + sender.
 */
int	mbox_from_parse(const char *line, size_t len, const char **sender,
	    size_t *senderlen, time_t *when);

/* asctime(3) form of t (UTC) without a newline: 24 octets + NUL. */
void	mbox_date_format(time_t t, char buf[25]);

/* ---- INN's files ----------------------------------------------------- */

/*
 * One line of INN's active file: "name high low flag", the flag y, n, m,
 * j, x or "=other.group" (an alias).  name and alias point into the line
 * (lengths given), so nothing is copied.  Returns 0, or -1 if the line is
 * malformed.  Comments and empty lines are -1 too: the file has none.
 */
struct inn_active {
	const char	*name;
	size_t		 namelen;
	uint32_t	 high;
	uint32_t	 low;
	char		 flag;		/* 'y' 'n' 'm' 'j' 'x' '=' */
	const char	*alias;		/* flag '=': the group it files into */
	size_t		 aliaslen;
};
int	inn_active_parse(const char *line, size_t len, struct inn_active *out);

/*
 * One line of INN's newsgroups file: "name" then tabs (or spaces) then the
 * description.  *desc is "" (descrlen 0) when there is none.  -1 for an
 * empty line or one starting with white space or '#'.
 */
int	inn_newsgroups_parse(const char *line, size_t len, const char **name,
	    size_t *namelen, const char **desc, size_t *desclen);

/*
 * One line of INN's text history (hisv6):
 * "[HASH]\tarrived~expires~posted\t@token@" for a stored article (expires
 * "-" when none), "[HASH]\tarrived~-~posted" for one remembered after it
 * expired or was refused.  HASH is 32 hex digits: the MD5 of the
 * Message-ID (inn_msgid_hash_input says of which form), the only trace of
 * the Message-ID the file keeps.  -1 if the line is malformed.
 */
struct inn_history {
	uint8_t		 hash[16];
	time_t		 arrived;
	time_t		 posted;	/* 0 if unknown */
	int		 stored;	/* has a storage token */
};
int	inn_history_parse(const char *line, size_t len,
	    struct inn_history *out);

/*
 * The octets INN hashes for a Message-ID (HashMessageID): the id with the
 * part after '@' in lower case (the whole id when its local part is
 * "postmaster", any case).  Writes len octets into out (at least len).
 */
void	inn_msgid_hash_input(const char *msgid, size_t len, char *out);

#endif /* LOOM_NEWSIMPORT_H */
