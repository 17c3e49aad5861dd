/*
 * A client connection: its bufferevent, its state machine and the one
 * driver that runs its work (session_run in session.c), the long replies
 * it streams, the article blocks it receives and the replies it holds
 * while a commit is pending.  Handlers write only through reply*().
 */
#ifndef LOOM_SESSION_H
#define LOOM_SESSION_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "access.h"
#include "linecodec.h"
#include "ratelimit.h"
#include "store.h"

struct bufferevent;
struct compress;
struct evbuffer;
struct event;
struct server;
struct session;

/* What a command handler (or a block's end) tells the session. */
enum cmd_result {
	CMD_OK = 0,		/* reply sent; read the next command */
	CMD_CLOSE,		/* reply sent; close once it is flushed */
	CMD_ASYNC		/* a reply will come later (stream, writer) */
};

/*
 * A producer of a long multi-line reply (OVER over a large group, LIST of
 * many groups).  fill() is called whenever the output has room; it appends
 * some lines and returns 1 if there is more to come, 0 when it has written
 * its last line (the terminating "." is its job), or -1 on an error after
 * which the session is closed.  free() releases ctx.
 */
struct session_stream {
	int	(*fill)(struct session *s, void *ctx);
	void	(*free)(void *ctx);
	void	 *ctx;
};

/*
 * A consumer of a dot-terminated block the client sends (POST, IHAVE,
 * TAKETHIS).  line() gets each line un-stuffed, without its CRLF; end()
 * runs after the "." line, with `too_long` set if a line or the whole
 * block passed the limit (then line() stopped being called, the rest was
 * read and dropped).  end() replies itself, then either returns CMD_OK or
 * CMD_ASYNC (it finishes later and calls session_resume()).  free()
 * releases ctx, also when the client vanishes mid-article.
 */
struct session_receive {
	void		 (*line)(struct session *s, const char *line,
			    size_t len, void *ctx);
	enum cmd_result	 (*end)(struct session *s, int too_long, void *ctx);
	void		 (*free)(void *ctx);
	void		  *ctx;
	struct block_reader br;		/* lines, limits (proto/) */
};

/*
 * A command whose reply waits for an asynchronous result while the session
 * goes on reading (TAKETHIS: many articles in flight on one connection, so
 * the writer can commit them together).  Replies to the commands after it
 * are held in `held` until its own reply is known, so the client sees
 * every reply in command order (RFC 4644 2.5, RFC 3977 3.5).
 */
struct session_pending {
	struct evbuffer			*own;	/* this command's reply */
	struct evbuffer			*held;	/* replies to later commands */
	int				 done;
	int				 code;	/* of the reply (stats) */
	void				*job;
	void				(*cancel)(void *job);
	TAILQ_ENTRY(session_pending)	 entry;
};

enum session_state {
	SESSION_CMD = 0,	/* reading commands */
	SESSION_STREAMING,	/* producing a long reply */
	SESSION_RECEIVING,	/* reading a block (article) from the client */
	SESSION_WAITING,	/* a command finishes asynchronously */
	SESSION_TLS_START,	/* 382 sent: handshake once it is out */
	SESSION_CLOSING		/* flushing the last reply, then free */
};

struct session {
	uint64_t		 id;
	struct server		*srv;
	struct bufferevent	*bev;
	char			 peer[64];	/* "addr:port" for logs */
	char			 host[64];	/* address alone */
	struct sockaddr_storage	 addr;		/* for access rules */
	enum session_state	 state;
	struct line_discard	 discard;
	unsigned		 errors_in_row;
	int			 last_code;	/* of the last reply() */
	struct session_stream	 stream;
	struct session_receive	 rx;
	void			*async;		/* the job it waits for */
	void			(*async_cancel)(void *); /* on close */
	TAILQ_HEAD(session_pending_head, session_pending) pending;
	unsigned		 npending;
	int			 peer_ok;	/* may feed us (IHAVE, ...) */
	int			 adopted;	/* session_adopt: in-process */
	const char		*post_rights;	/* adopted: instead of the
						   rules' post (NULL: theirs) */
	int			 tls;		/* the connection is encrypted */
	struct compress		*zc;		/* COMPRESS layer, or NULL */
	struct event		*close_timer;	/* waits for TLS output */
	struct event		*handshake_timer; /* bounds the TLS handshake */
	int			 handshaking;	/* TLS not yet established */
	time_t			 closing_since;
	const char		*close_reason;

	/* The work driver (session_run): never re-entered, and yields
	   after a bounded slice of work so other clients get their turn. */
	int			 running;
	struct event		*turn_timer;	/* the next slice */
	int			 input_eof;	/* the client shut down its side */
	time_t			 partial_since;	/* a command line began, 0: none */

	/* Authentication (RFC 4643) and what this client may do. */
	char			 user[STORE_USER_MAX + 1];	/* "" : none */
	char			 auth_name[STORE_USER_MAX + 1];	/* USER sent */
	int			 auth_user_sent;
	int			 authenticated;
	struct access		 access;

	/* Reader command rate (limits commands_per_second). */
	struct token_bucket	 commands_bucket;
	struct event		*throttle_timer;
	uint64_t		 throttled;	/* times input was paused */

	/* Bounds the time one article may take (limits article_timeout). */
	struct event		*receive_timer;

	/* Reader state (RFC 3977 6): selected group and current article. */
	struct store_group	 group;
	int			 have_group;
	uint32_t		 article;	/* 0: no current article */

	/* Counters for the closing log line. */
	time_t			 started;
	uint64_t		 commands;
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;

	TAILQ_ENTRY(session)	 entry;
};

/* session.c */
/* The new session, or NULL when it was refused or is already closing. */
struct session *session_accept(struct server *srv, int fd,
	    struct sockaddr *sa, int salen, int tls);
/*
 * A session on an in-process transport (a socketpair) for a client that
 * another front end serves, as if it had connected from sa: the same
 * limits, access rules and accounting.  user: logged in as (NULL: not);
 * post: its posting rights instead of the access rules' (NULL: theirs;
 * a string that outlives the session, in srv->cfg), granted only where
 * some rule applies to sa.  *fdp is the caller's end.  NULL when refused
 * (limits, shutdown, no access).
 */
struct session *session_adopt(struct server *srv, const struct sockaddr *sa,
	    int salen, const char *user, const char *post, int *fdp);
void	 session_starttls(struct session *s);
void	 session_compress(struct session *s, struct bufferevent *bev,
	    struct compress *zc);
void	 session_close(struct session *s, const char *reason);
void	 session_close_after_flush(struct session *s, const char *reason);
void	 session_stream_start(struct session *s, int (*fill)(struct session *,
	    void *), void (*free_ctx)(void *), void *ctx);
int	 session_output_full(struct session *s);
void	 session_receive_start(struct session *s, size_t limit,
	    void (*line)(struct session *, const char *, size_t, void *),
	    enum cmd_result (*end)(struct session *, int, void *),
	    void (*free_ctx)(void *), void *ctx);
void	 session_wait(struct session *s, void *job, void (*cancel)(void *));
void	 session_resume(struct session *s);
struct evbuffer *session_out(struct session *s);
struct session_pending *session_pending_add(struct session *s, void *job,
	    void (*cancel)(void *));
void	 session_pending_done(struct session *s, struct session_pending *p);

/* reply.c: everything a handler writes goes through these. */
void	 reply(struct session *s, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	 reply_pending(struct session_pending *p, int code,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	 reply_line(struct session *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 reply_data(struct session *s, const void *data, size_t len);
void	 reply_stuffed(struct session *s, const void *data, size_t len);
void	 reply_end(struct session *s);

/*
 * A run of lines written straight into the output (OVER): room is taken
 * from the evbuffer in large pieces and handed back once per piece, not
 * an evbuffer_add (a lock, the buffer's callbacks) per line.  Between
 * reply_span_begin and reply_span_end nothing else may write to the
 * session.  reply_span_room gives `need` writable octets (NULL: out of
 * memory); reply_span_wrote says how many of them were used.
 */
struct reply_span {
	struct session	*s;
	struct evbuffer	*out;
	char		*base;		/* the piece taken, or NULL */
	size_t		 used;
	size_t		 cap;
};
void	 reply_span_begin(struct session *s, struct reply_span *sp);
char	*reply_span_room(struct reply_span *sp, size_t need);
void	 reply_span_wrote(struct reply_span *sp, size_t n);
void	 reply_span_end(struct reply_span *sp);

/* session_access.c */
int	 session_auth_allowed(struct session *s);
int	 session_login_helps(struct session *s);
void	 session_access_update(struct session *s);
/* The client proved it is `user` (AUTHINFO, or the web's login). */
void	 session_login(struct session *s, const char *user);
void	 session_refuse_access(struct session *s, int code, const char *what);

#endif /* LOOM_SESSION_H */
