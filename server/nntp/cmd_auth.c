/*
 * AUTHINFO USER/PASS (RFC 4643) and what a login changes: the access rules
 * are resolved again for the user.  The password check (scrypt, about a
 * tenth of a second) runs on the pwcheck thread, never on the loop thread,
 * so one login does not stall every other client.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "log.h"
#include "pwcheck.h"
#include "ratelimit.h"
#include "commands.h"
#include "util.h"

/* 483 or 502 when AUTHINFO cannot be used now; 0 when it can. */
static int
auth_refused(struct session *s)
{
	if (s->authenticated) {
		reply(s, RPL_502_UNAVAILABLE, "Already authenticated");
		return (1);
	}
	if (s->zc != NULL) {
		reply(s, RPL_502_UNAVAILABLE, "DEFLATE compression already "
		    "active");
		return (1);
	}
	if (!s->tls && !s->srv->cfg.auth_plaintext) {
		reply(s, RPL_483_ENCRYPTION, "Encryption required: %s",
		    s->srv->tls_ctx != NULL ? "use STARTTLS first" :
		    "connect to the TLS port");
		return (1);
	}
	return (0);
}

/* Too many failures from this address lately, counting the guesses still
   being checked: refuse without checking. */
static int
auth_throttled(struct session *s)
{
	struct ratelimit	*rl = s->srv->auth_failures;
	time_t			 now = time(NULL);

	if (rl == NULL || ratelimit_allowed(rl, s->host, now))
		return (0);
	reply(s, RPL_481_AUTH_FAILED, "Too many failed logins from %s, try "
	    "again in %u seconds", s->host,
	    ratelimit_retry_after(rl, s->host, now));
	log_warnx("session=%llx login refused: too many failures from %s",
	    (unsigned long long)s->id, s->host);
	return (1);
}

static enum cmd_result
cmd_authinfo_user_exec(struct session *s, struct nntp_command *cmd)
{
	const char	*name = cmd->argv[0];

	if (auth_refused(s) || auth_throttled(s))
		return (CMD_OK);
	/* A name too long for any account still gets 381, so the reply
	   does not tell which names exist. */
	loom_strlcpy(s->auth_name, name, sizeof(s->auth_name));
	s->auth_user_sent = strlen(name) < sizeof(s->auth_name) ? 1 : 2;
	reply(s, RPL_381_PASS_REQUIRED, "Password required");
	return (CMD_OK);
}

const struct cmd_entry cmd_authinfo_user_entry = {
	.verb = {
		.name = "AUTHINFO",
		.keyword = "USER",
		.args = { 1, 1 },
		.usage = "name",
		.syntax = NNTP_VERB_REST,
	},
	.exec = cmd_authinfo_user_exec
};

struct auth_job {
	struct pwcheck_job	 pj;	/* first: pwcheck frees it as such */
	struct server		*srv;
	struct session		*s;
	char			 name[STORE_USER_MAX + 1];
	time_t			 reserved;	/* counted as a failure then */
	unsigned		 reserved_gen;	/* in this failure table */
	int			 has_reservation;
};

/*
 * Count the guess as a failure before it is checked.  Counting at the end
 * of the check let every guess that arrived while checks were running
 * through: many connections from one address, each with one PASS, all got
 * checked.  A guess that turns out right is taken back (auth_release).
 */
static void
auth_reserve(struct session *s, struct auth_job *aj)
{
	if (s->srv->auth_failures == NULL)
		return;
	aj->reserved = time(NULL);
	aj->reserved_gen = s->srv->auth_failures_gen;
	aj->has_reservation = 1;
	ratelimit_record(s->srv->auth_failures, s->host, aj->reserved);
}

static void
auth_release(struct session *s, struct auth_job *aj)
{
	struct server	*srv = s->srv;

	/* A reload that replaced the table dropped the reservation too. */
	if (!aj->has_reservation || srv->auth_failures == NULL ||
	    aj->reserved_gen != srv->auth_failures_gen)
		return;
	ratelimit_unrecord(srv->auth_failures, s->host, aj->reserved,
	    time(NULL));
	aj->has_reservation = 0;
}

/*
 * The session went away while the hash was being checked.  Nobody will
 * see the result, so the guess taught nothing and no longer counts (a
 * client that hangs up during a right login is not held against it).
 */
static void
auth_cancel(void *arg)
{
	struct auth_job	*aj = arg;

	auth_release(aj->s, aj);
	pwcheck_cancel(aj->srv->pwcheck, &aj->pj);
}

static void
auth_done(struct pwcheck_job *pj, void *arg LOOM_UNUSED)
{
	struct auth_job	*aj = (struct auth_job *)pj;
	struct session	*s = aj->s;

	if (pj->result == 1) {
		auth_release(s, aj);
		session_login(s, aj->name);
		reply(s, RPL_281_AUTH_OK, "Authentication accepted");
	} else {
		/* Counted when queued.  The name is logged (it helps
		   spot guessing), the password never. */
		log_warnx("session=%llx login failed user=%s host=%s%s",
		    (unsigned long long)s->id, aj->name, s->host,
		    pj->result == -1 ? " (stored hash malformed)" : "");
		reply(s, RPL_481_AUTH_FAILED, "Authentication failed");
	}
	OPENSSL_cleanse(aj, sizeof(*aj));
	free(aj);
	session_resume(s);
}

static enum cmd_result
cmd_authinfo_pass_exec(struct session *s, struct nntp_command *cmd)
{
	const char		*pw = cmd->argv[0];
	struct store_user	 u;
	struct auth_job		*aj;
	int			 known;

	if (auth_refused(s))
		return (CMD_OK);
	if (!s->auth_user_sent) {
		reply(s, RPL_482_AUTH_SEQUENCE, "Send AUTHINFO USER first");
		return (CMD_OK);
	}
	known = s->auth_user_sent == 1 && store_user_get(s->srv->store,
	    s->auth_name, &u) == STORE_OK;
	s->auth_user_sent = 0;
	if (auth_throttled(s))
		return (CMD_OK);
	if (strlen(pw) >= sizeof(aj->pj.password)) {
		reply(s, RPL_481_AUTH_FAILED, "Authentication failed");
		return (CMD_OK);
	}
	aj = xcalloc(1, sizeof(*aj));
	/* An unknown user is checked against nothing, in the same time. */
	if (known)
		loom_strlcpy(aj->pj.stored, u.hash, sizeof(aj->pj.stored));
	aj->pj.pwlen = strlen(pw);
	memcpy(aj->pj.password, pw, aj->pj.pwlen);
	aj->pj.done = auth_done;
	aj->pj.arg = aj;
	aj->srv = s->srv;
	aj->s = s;
	loom_strlcpy(aj->name, s->auth_name, sizeof(aj->name));
	OPENSSL_cleanse(&u, sizeof(u));
	auth_reserve(s, aj);
	if (pwcheck_submit(s->srv->pwcheck, &aj->pj) == -1) {
		/* Never checked, so it was no guess. */
		auth_release(s, aj);
		OPENSSL_cleanse(aj, sizeof(*aj));
		free(aj);
		reply(s, RPL_481_AUTH_FAILED, "Too many logins in progress, "
		    "try again later");
		return (CMD_OK);
	}
	session_wait(s, aj, auth_cancel);
	return (CMD_ASYNC);
}

const struct cmd_entry cmd_authinfo_pass_entry = {
	.verb = {
		.name = "AUTHINFO",
		.keyword = "PASS",
		.args = { 1, 1 },
		.usage = "password",
		.syntax = NNTP_VERB_REST,
	},
	.exec = cmd_authinfo_pass_exec
};

/* RFC 4643 defines SASL; Loom offers USER/PASS only, and never GENERIC
   (deprecated by the same RFC). */
static enum cmd_result
cmd_authinfo_unsupported_exec(struct session *s,
    struct nntp_command *cmd LOOM_UNUSED)
{
	if (s->authenticated)
		reply(s, RPL_502_UNAVAILABLE, "Already authenticated");
	else if (s->zc != NULL)
		reply(s, RPL_502_UNAVAILABLE, "DEFLATE compression already "
		    "active");
	else
		reply(s, RPL_503_UNSUPPORTED, "Only AUTHINFO USER/PASS is "
		    "supported");
	return (CMD_OK);
}

const struct cmd_entry cmd_authinfo_sasl_entry = {
	.verb = {
		.name = "AUTHINFO",
		.keyword = "SASL",
		.args = { 1, 2 },
		.usage = "mechanism [initial-response]",
	},
	.exec = cmd_authinfo_unsupported_exec
};

const struct cmd_entry cmd_authinfo_generic_entry = {
	.verb = {
		.name = "AUTHINFO",
		.keyword = "GENERIC",
		.args = { 0, NNTP_ARGS_MAX },
		.usage = "authenticator [arguments...]",
	},
	.exec = cmd_authinfo_unsupported_exec
};
