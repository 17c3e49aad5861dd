/*
 * Cancels and Supersedes: proto/cancel.c (Control verb, targets,
 * Cancel-Lock elements), injection's Cancel-Lock (proto/article_inject.c)
 * and policy/cancel_lock.c's locks and keys (libcanlock), checked
 * against RFC 8315's construction and each other.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "article.h"
#include "article_test.h"
#include "cancel.h"
#include "ctlmsg.h"
#include "cancel_lock.h"
#include "config.h"
#include "store.h"

/* The Control field's verb and what follows it, as cancel_target uses. */
static void
test_control_args(void **state)
{
	struct ctlmsg	 c;
	char		 why[ARTICLE_REASON_MAX];

	assert_int_equal(ctlmsg_parse("  Cancel  <x@y>", &c, why,
	    sizeof(why)), 0);
	assert_int_equal(c.verb, CTLMSG_CANCEL);
	assert_string_equal(c.name, "cancel");
	assert_string_equal(c.args, "<x@y>");
	assert_int_equal(ctlmsg_parse("newgroup local.x moderated", &c, why,
	    sizeof(why)), 0);
	assert_int_equal(c.verb, CTLMSG_NEWGROUP);
	assert_string_equal(c.args, "local.x moderated");
	assert_int_equal(ctlmsg_parse("new/group x", &c, why, sizeof(why)),
	    -1);
	assert_int_equal(c.verb, CTLMSG_NONE);
}

static void
test_cancel_target(void **state)
{
	static const struct {
		const char	*text;
		int		 kind;
		const char	*target;
	} cases[] = {
		{ "Control: cancel <t@x>\n", CANCEL_CANCEL, "<t@x>" },
		{ "Control: cancel  <t@x> \n", CANCEL_CANCEL, "<t@x>" },
		{ "Control: CANCEL <t@x>\n", CANCEL_CANCEL, "<t@x>" },
		{ "Control: new/group x\n", -1, NULL },
		{ "Control: ihave <t@x>\nSupersedes: <u@x>\n", CANCEL_NONE,
		  NULL },
		{ "Supersedes: <t@x>\n", CANCEL_SUPERSEDE, "<t@x>" },
		/* A cancel with Supersedes is a cancel. */
		{ "Control: cancel <t@x>\nSupersedes: <u@x>\n",
		  CANCEL_CANCEL, "<t@x>" },
		/* Another control message supersedes nothing. */
		{ "Control: newgroup a.b\nSupersedes: <u@x>\n", CANCEL_NONE,
		  NULL },
		{ "Subject: plain\n", CANCEL_NONE, NULL },
		{ "Control: cancel\n", -1, NULL },
		{ "Control: cancel <a@x> <b@x>\n", -1, NULL },
		{ "Control: cancel not-an-id\n", -1, NULL },
		{ "Supersedes: <a@x> <b@x>\n", -1, NULL },
		{ "Supersedes: <me@x>\n", -1, NULL },	/* itself */
	};
	struct article	*a;
	char		 text[256], target[STORE_MSGID_MAX + 1];
	const char	*why;
	size_t		 i;
	int		 kind;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "From: a@b.c\nMessage-ID: <me@x>\n"
		    "%s\nbody", cases[i].text);
		a = art_parse(text);
		why = NULL;
		kind = cancel_target(a, target, &why);
		if (kind != cases[i].kind)
			fail_msg("case %zu: kind %d, want %d", i, kind,
			    cases[i].kind);
		if (kind == -1)
			assert_non_null(why);
		if (cases[i].target != NULL)
			assert_string_equal(target, cases[i].target);
		article_free(a);
	}
}

static void
test_cancel_elements(void **state)
{
	char	out[128];

	assert_int_equal(cancel_elements("sha256:abc=", out, sizeof(out)), 1);
	assert_string_equal(out, "sha256:abc=");
	assert_int_equal(cancel_elements(" (a comment (nested)) sha1:x/y+\t"
	    "sha256:Zz0=  (end)", out, sizeof(out)), 2);
	assert_string_equal(out, "sha1:x/y+ sha256:Zz0=");
	/* Not scheme:base64: dropped. */
	assert_int_equal(cancel_elements("junk :x y: sha256:a!b sha256:ok",
	    out, sizeof(out)), 1);
	assert_string_equal(out, "sha256:ok");
	assert_int_equal(cancel_elements("(unclosed sha256:x", out,
	    sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(cancel_elements("sha256:abcdef", out, 8), -1);
}

/* The injected article's lock, from a fixed callback. */
static int
fixed_lock(const char *msgid, char *out, size_t len, void *arg)
{
	snprintf(out, len, "sha256:%s", (const char *)arg);
	assert_string_equal(msgid, "<loom.1@example.org>");
	return (0);
}

static void
test_inject_adds_and_keeps_cancel_lock(void **state)
{
	struct article_injection inj;
	struct article	*a, *b;
	char		 r[ARTICLE_REASON_MAX];

	memset(&inj, 0, sizeof(inj));
	inj.path_identity = "news.example.org";
	inj.msgid_domain = "example.org";
	inj.msgid_unique = "loom.1";
	inj.now = 1795920423;
	inj.cancel_lock = fixed_lock;
	inj.cancel_lock_arg = "OURS=";

	a = art_parse("From: a@b.c\nNewsgroups: x.y\nSubject: s\n\nbody");
	assert_non_null(b = article_inject(a, &inj, r, sizeof(r)));
	assert_string_equal(article_header_get(b, "Cancel-Lock"),
	    "sha256:OURS=");
	assert_same_as_parsed(b);
	article_free(b);
	article_free(a);

	/* The poster's lock first, ours after, in one field. */
	a = art_parse("From: a@b.c\nNewsgroups: x.y\nCancel-Lock: sha1:P= "
	    "(mine)\nSubject: s\n\nbody");
	assert_non_null(b = article_inject(a, &inj, r, sizeof(r)));
	assert_int_equal(article_header_count(b, "Cancel-Lock"), 1);
	assert_string_equal(article_header_get(b, "Cancel-Lock"),
	    "sha1:P= (mine) sha256:OURS=");
	assert_same_as_parsed(b);
	article_free(b);
	article_free(a);

	/* No callback: the poster's field is left as it is. */
	inj.cancel_lock = NULL;
	a = art_parse("From: a@b.c\nNewsgroups: x.y\nCancel-Lock: sha1:P=\n"
	    "Subject: s\n\nbody");
	assert_non_null(b = article_inject(a, &inj, r, sizeof(r)));
	assert_string_equal(article_header_get(b, "Cancel-Lock"), "sha1:P=");
	assert_same_as_parsed(b);
	article_free(b);
	article_free(a);
}

static void
test_locks_and_keys(void **state)
{
	uint8_t	secret[CANCEL_SECRET_LEN], other[CANCEL_SECRET_LEN];
	char	locks[CANCEL_ELEMENTS_MAX], key[CANCEL_ELEMENTS_MAX];
	char	k2[CANCEL_ELEMENTS_MAX], one[2 * CANCEL_ELEMENTS_MAX + 2];

	memset(secret, 7, sizeof(secret));
	memset(other, 8, sizeof(other));
	assert_int_equal(cancel_lock_make(secret, "alice", "<m@x>", locks,
	    sizeof(locks)), 0);
	/* The server's lock and alice's. */
	assert_non_null(strchr(locks, ' '));
	assert_int_equal(strncmp(locks, "sha256:", 7), 0);
	assert_int_equal(cancel_key_make(secret, "alice", "<m@x>", key,
	    sizeof(key)), 0);
	assert_true(cancel_key_matches(key, locks));
	assert_int_equal(cancel_key_make(secret, NULL, "<m@x>", key,
	    sizeof(key)), 0);
	assert_true(cancel_key_matches(key, locks));
	/* Bob's key, another article's, another secret's: no. */
	assert_int_equal(cancel_key_make(secret, "bob", "<m@x>", k2,
	    sizeof(k2)), 0);
	assert_false(cancel_key_matches(k2, locks));
	assert_int_equal(cancel_key_make(secret, "alice", "<n@x>", k2,
	    sizeof(k2)), 0);
	assert_false(cancel_key_matches(k2, locks));
	assert_int_equal(cancel_key_make(other, "alice", "<m@x>", k2,
	    sizeof(k2)), 0);
	assert_false(cancel_key_matches(k2, locks));
	/* Several keys: one matching is enough. */
	snprintf(one, sizeof(one), "%s %s", k2, key);
	assert_true(cancel_key_matches(one, locks));
	/* Not logged in: the server's lock only. */
	assert_int_equal(cancel_lock_make(secret, NULL, "<m@x>", locks,
	    sizeof(locks)), 0);
	assert_null(strchr(locks, ' '));
	assert_true(cancel_key_matches(key, locks));
	assert_false(cancel_key_matches("", locks));
	assert_false(cancel_key_matches(key, ""));
	/* A user name with "<" could pass for another input: refused. */
	assert_int_equal(cancel_key_make(secret, "a<b", "<m@x>", k2,
	    sizeof(k2)), -1);
	assert_int_equal(cancel_lock_make(secret, "alice", "<m@x>", locks,
	    10), -1);
}

static void
test_admins(void **state)
{
	struct config	cfg;

	memset(&cfg, 0, sizeof(cfg));
	assert_false(cancel_is_admin(&cfg, "boss"));
	snprintf(cfg.cancel_admins, sizeof(cfg.cancel_admins), "boss,chief*");
	assert_true(cancel_is_admin(&cfg, "boss"));
	assert_true(cancel_is_admin(&cfg, "chief2"));
	assert_false(cancel_is_admin(&cfg, "bossy"));
	assert_false(cancel_is_admin(&cfg, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_args),
		cmocka_unit_test(test_cancel_target),
		cmocka_unit_test(test_cancel_elements),
		cmocka_unit_test(test_inject_adds_and_keeps_cancel_lock),
		cmocka_unit_test(test_locks_and_keys),
		cmocka_unit_test(test_admins),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
