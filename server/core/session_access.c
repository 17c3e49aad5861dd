/*
 * What a client may do, as it is now: its access rules (from its address
 * and, once logged in, its user name) and whether logging in would help.
 * Asked on connect, after a login, on reload and by the commands.
 */
#include <sys/socket.h>

#include "access.h"
#include "log.h"
#include "server.h"
#include "session.h"
#include "util.h"

/* RFC 4643 2.2: a password is sent only under TLS unless allowed, and
   RFC 8054 2.2.2: never once compression is on (CRIME). */
int
session_auth_allowed(struct session *s)
{
	return (!s->authenticated && s->zc == NULL &&
	    (s->tls || s->srv->cfg.auth_plaintext));
}

void
session_login(struct session *s, const char *user)
{
	s->authenticated = 1;
	loom_strlcpy(s->user, user, sizeof(s->user));
	session_access_update(s);
	log_info("session=%llx login user=%s access=%s",
	    (unsigned long long)s->id, s->user, s->access.rule);
}

/* Resolve the access rules for the client as it is now. */
void
session_access_update(struct session *s)
{
	access_resolve(&s->srv->cfg, (struct sockaddr *)&s->addr,
	    s->authenticated ? s->user : NULL, &s->access);
	/* An adopted session posts where its front end allows (the web's
	   visitor_groups), from an address the rules admit at all. */
	if (s->post_rights != NULL && s->access.matched)
		s->access.post = s->post_rights;
	if (s->have_group && !access_can_read(&s->access, s->group.name)) {
		s->have_group = 0;
		s->article = 0;
	}
}

/*
 * Could this client gain rights by logging in?  Only if a rule names users
 * for its address, and AUTHINFO can be used here now or after STARTTLS.
 */
int
session_login_helps(struct session *s)
{
	return (!s->authenticated && (s->tls || s->srv->tls_ctx != NULL ||
	    s->srv->cfg.auth_plaintext) && access_login_helps(&s->srv->cfg,
	    (struct sockaddr *)&s->addr));
}

/*
 * Refuse `what` for want of rights: 480 when logging in could grant them
 * (RFC 4643 2.1), else the command's own refusal code.
 */
void
session_refuse_access(struct session *s, int code, const char *what)
{
	if (session_login_helps(s))
		reply(s, RPL_480_AUTH_REQUIRED, "%s needs authentication "
		    "(AUTHINFO USER)", what);
	else
		reply(s, code, "%s not permitted from here", what);
}
