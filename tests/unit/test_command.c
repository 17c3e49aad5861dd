/*
 * Unit tests for proto/command.c, the tokenizer, fed the server's command
 * table (server/nntp/dispatch.c): the parser is pure and takes any table,
 * and the arities checked here are those of the commands Loom serves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "command.h"
#include "commands.h"

static enum nntp_parse_result
parse(const char *text, struct nntp_command *cmd)
{
	static char	line[1024];

	snprintf(line, sizeof(line), "%s", text);
	return (nntp_command_parse(&cmd_table, line, cmd, NULL));
}

static void
test_command_verbs_and_keywords(void **state)
{
	static const struct {
		const char	*line;
		const struct nntp_verb_def *verb;
		int		 argc;
	} ok[] = {
		{ "ARTICLE", &cmd_article_entry.verb, 0 },
		{ "ARTICLE <a@b>", &cmd_article_entry.verb, 1 },
		{ "LIST", &cmd_list_active_entry.verb, 0 },
		{ "LIST ACTIVE", &cmd_list_active_entry.verb, 0 },
		{ "LIST ACTIVE comp.*", &cmd_list_active_entry.verb, 1 },
		{ "list newsgroups", &cmd_list_newsgroups_entry.verb, 0 },
		{ "LiSt AcTiVe.TiMeS", &cmd_list_active_times_entry.verb, 0 },
		{ "LIST OVERVIEW.FMT", &cmd_list_overview_fmt_entry.verb, 0 },
		{ "LIST HEADERS MSGID", &cmd_list_headers_entry.verb, 1 },
		{ "LIST COUNTS", &cmd_list_counts_entry.verb, 0 },
		{ "LIST DISTRIB.PATS", &cmd_list_distrib_pats_entry.verb, 0 },
		{ "MODE READER", &cmd_mode_reader_entry.verb, 0 },
		{ "mode stream", &cmd_mode_stream_entry.verb, 0 },
		{ "NEWGROUPS 261129 000000", &cmd_newgroups_entry.verb, 2 },
		{ "NEWGROUPS 20261129 000000 GMT", &cmd_newgroups_entry.verb, 3 },
		{ "NEWNEWS * 261129 000000 GMT", &cmd_newnews_entry.verb, 4 },
		{ "HDR Subject 1-", &cmd_hdr_entry.verb, 2 },
		{ "XPAT Subject 1-10 *a* *b*", &cmd_xpat_entry.verb, 4 },
		{ "LISTGROUP", &cmd_listgroup_entry.verb, 0 },
		{ "LISTGROUP a.b 1-5", &cmd_listgroup_entry.verb, 2 },
		{ "XTREE <a@b>", &cmd_xtree_entry.verb, 1 },
		{ "XROOTS", &cmd_xroots_entry.verb, 0 },
		{ "\tDATE\t", &cmd_date_entry.verb, 0 },
		{ "GROUP\t local.test ", &cmd_group_entry.verb, 1 },
		{ "compress DEFLATE", &cmd_compress_entry.verb, 1 },
	};
	struct nntp_command	cmd;
	size_t			i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (parse(ok[i].line, &cmd) != NNTP_PARSE_OK ||
		    cmd.verb != ok[i].verb || cmd.argc != ok[i].argc)
			fail_msg("\"%s\": verb %s argc %d", ok[i].line,
			    cmd.verb != NULL ? cmd.verb->name : "-", cmd.argc);
	}
	assert_int_equal(parse("GROUP\t local.test ", &cmd), NNTP_PARSE_OK);
	assert_string_equal(cmd.argv[0], "local.test");
}

static void
test_command_unknown_and_syntax(void **state)
{
	static const struct {
		const char		*line;
		enum nntp_parse_result	 want;
	} c[] = {
		{ "", NNTP_PARSE_EMPTY },
		{ "  \t ", NNTP_PARSE_EMPTY },
		{ "FROB", NNTP_PARSE_UNKNOWN },
		{ "ART", NNTP_PARSE_UNKNOWN },		/* no abbreviations */
		{ "CAPA", NNTP_PARSE_UNKNOWN },
		{ "LIST FOO", NNTP_PARSE_SYNTAX },	/* RFC 3977 7.6.1 */
		{ "LIST local.*", NNTP_PARSE_SYNTAX },
		{ "MODE", NNTP_PARSE_SYNTAX },
		{ "MODE FOO", NNTP_PARSE_SYNTAX },
		{ "AUTHINFO", NNTP_PARSE_SYNTAX },
		{ "AUTHINFO FOO bar", NNTP_PARSE_SYNTAX },
		{ "DATE x", NNTP_PARSE_SYNTAX },
		{ "QUIT now", NNTP_PARSE_SYNTAX },
		{ "GROUP", NNTP_PARSE_SYNTAX },
		{ "GROUP a b", NNTP_PARSE_SYNTAX },
		{ "ARTICLE 1 2", NNTP_PARSE_SYNTAX },
		{ "NEWGROUPS 261129", NNTP_PARSE_SYNTAX },
		{ "NEWNEWS * 1 2 GMT x", NNTP_PARSE_SYNTAX },
		{ "XPAT Subject 1-", NNTP_PARSE_SYNTAX },
		{ "LIST OVERVIEW.FMT x", NNTP_PARSE_SYNTAX },
		{ "AUTHINFO USER", NNTP_PARSE_SYNTAX },
		{ "COMPRESS", NNTP_PARSE_SYNTAX },
		{ "COMPRESS DEFLATE SHRINK", NNTP_PARSE_SYNTAX },
	};
	struct nntp_command	cmd;
	size_t			i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		if (parse(c[i].line, &cmd) != c[i].want)
			fail_msg("\"%s\": expected %d", c[i].line, c[i].want);
	/* A known verb with bad arguments is still named, so dispatch can
	   read the data block TAKETHIS brings before answering. */
	assert_int_equal(parse("TAKETHIS", &cmd), NNTP_PARSE_SYNTAX);
	assert_int_equal(cmd.verb, &cmd_takethis_entry.verb);
	assert_int_equal(parse("takethis <a@b> <c@d>", &cmd),
	    NNTP_PARSE_SYNTAX);
	assert_int_equal(cmd.verb, &cmd_takethis_entry.verb);
	assert_int_equal(parse("LIST FOO", &cmd), NNTP_PARSE_SYNTAX);
	assert_int_equal(cmd.verb, NULL);
}

static void
test_command_argument_length_limit(void **state)
{
	struct nntp_command	cmd;
	char			line[600];

	/* 497 octets is the longest argument RFC 3977 3.1 allows. */
	memcpy(line, "GROUP ", 6);
	memset(line + 6, 'a', 497);
	line[6 + 497] = '\0';
	assert_int_equal(nntp_command_parse(&cmd_table, line, &cmd, NULL), NNTP_PARSE_OK);
	memcpy(line, "GROUP ", 6);
	memset(line + 6, 'a', 498);
	line[6 + 498] = '\0';
	assert_int_equal(nntp_command_parse(&cmd_table, line, &cmd, NULL),
	    NNTP_PARSE_SYNTAX);
}

static void
test_command_authinfo_pass_keeps_spaces(void **state)
{
	struct nntp_command	cmd;

	assert_int_equal(parse("AUTHINFO PASS  two words ", &cmd),
	    NNTP_PARSE_OK);
	assert_int_equal(cmd.verb, &cmd_authinfo_pass_entry.verb);
	assert_int_equal(cmd.argc, 1);
	assert_string_equal(cmd.argv[0], "two words ");
}

/*
 * What may be logged is decided from the words the parser found: every
 * spelling of AUTHINFO a client could send, accepted or not, keeps its
 * argument out of the loggable prefix.
 */
static void
test_command_authinfo_argument_never_loggable(void **state)
{
	static const struct {
		const char	*line;
		const char	*loggable;
		int		 secret;
	} c[] = {
		{ "AUTHINFO PASS hunter2", "AUTHINFO PASS", 1 },
		{ "authinfo pass hunter2", "authinfo pass", 1 },
		{ " AUTHINFO PASS hunter2", " AUTHINFO PASS", 1 },
		{ "\tAUTHINFO\tPASS\thunter2", "\tAUTHINFO\tPASS", 1 },
		{ "  AuthInfo   Pass   hunter 2  ", "  AuthInfo   Pass", 1 },
		{ "AUTHINFO USER alice", "AUTHINFO USER", 1 },
		{ "AUTHINFO SASL PLAIN AGFsaWNlAGh1bnRlcjI=", "AUTHINFO SASL", 1 },
		{ "AUTHINFO GENERIC x hunter2", "AUTHINFO GENERIC", 1 },
		/* Unknown keywords and bad arity fail to parse, and are
		   masked all the same. */
		{ "AUTHINFO PASSWORD hunter2", "AUTHINFO", 1 },
		{ "AUTHINFO hunter2", "AUTHINFO", 1 },
		{ " authinfo\thunter2 x", " authinfo", 1 },
		{ "AUTHINFO SASL A B C", "AUTHINFO SASL", 1 },
		{ "AUTHINFO PASS", "AUTHINFO PASS", 0 },
		{ "AUTHINFO", "AUTHINFO", 0 },
		/* Anything else is logged whole. */
		{ " GROUP  misc.test ", " GROUP  misc.test ", 0 },
		{ "XAUTHINFO PASS x", "XAUTHINFO PASS x", 0 },
	};
	struct nntp_command	cmd;
	char			line[128];
	size_t			i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(line, sizeof(line), "%s", c[i].line);
		(void)nntp_command_parse(&cmd_table, line, &cmd, NULL);
		if (cmd.loggable != strlen(c[i].loggable) ||
		    memcmp(c[i].line, c[i].loggable, cmd.loggable) != 0 ||
		    cmd.secret != c[i].secret)
			fail_msg("\"%s\": loggable %zu secret %d, want \"%s\" %d",
			    c[i].line, cmd.loggable, cmd.secret,
			    c[i].loggable, c[i].secret);
	}
	/* An empty line: nothing to hide. */
	snprintf(line, sizeof(line), "   ");
	assert_int_equal(nntp_command_parse(&cmd_table, line, &cmd, NULL),
	    NNTP_PARSE_EMPTY);
	assert_int_equal(cmd.secret, 0);
}

static const char *
name_of(const struct cmd_entry *e)
{
	static char	buf[NNTP_VERB_NAME_MAX];

	return (nntp_verb_name(&e->verb, buf, sizeof(buf)));
}

static void
test_command_names_and_usage(void **state)
{
	char	name[NNTP_VERB_NAME_MAX];
	size_t	i;

	assert_string_equal(name_of(&cmd_mode_reader_entry), "MODE READER");
	assert_string_equal(name_of(&cmd_list_active_entry), "LIST ACTIVE");
	assert_string_equal(name_of(&cmd_over_entry), "OVER");
	assert_string_equal(cmd_group_entry.verb.usage, "group");
	/* Every verb has a name, and no two the same: each is found back
	   by its canonical spelling. */
	for (i = 0; i < cmd_table.n; i++) {
		nntp_verb_name(cmd_table.verbs[i], name, sizeof(name));
		if (name[0] == '\0' || dispatch_find(name) !=
		    cmd_entry_of(cmd_table.verbs[i]))
			fail_msg("verb %zu (\"%s\") not found by its name", i,
			    name);
	}
}

/* RFC 8054 4.3: algorithm = %s"DEFLATE" / 1*20alg-char. */
static void
test_command_algorithm_names(void **state)
{
	static const char *const good[] = { "DEFLATE", "SHRINK", "X-Z_9",
	    "A", "ABCDEFGHIJKLMNOPQRST" };
	static const char *const bad[] = { "", "deflate", "Deflate", "FOO!",
	    "A.B", "ABCDEFGHIJKLMNOPQRSTU", "\xc3\x89" };
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!nntp_algorithm_valid(good[i]))
			fail_msg("\"%s\" refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (nntp_algorithm_valid(bad[i]))
			fail_msg("\"%s\" accepted", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_verbs_and_keywords),
		cmocka_unit_test(test_command_unknown_and_syntax),
		cmocka_unit_test(test_command_argument_length_limit),
		cmocka_unit_test(test_command_authinfo_pass_keeps_spaces),
		cmocka_unit_test(test_command_authinfo_argument_never_loggable),
		cmocka_unit_test(test_command_names_and_usage),
		cmocka_unit_test(test_command_algorithm_names),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
