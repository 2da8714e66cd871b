/*
 * test_sieve.c: unit tests of the RFC 5228 Sieve parser (src/mail/sieve.c)
 * and of the Sieve part of the mail auditor: the grammar's corners
 * (comments, text: blocks with dot-stuffing, escapes, encoded characters,
 * variables), errors with their line and column, and which redirects are
 * findings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail/mailaudit.h"
#include "mail/sieve.h"

static int
parse(struct sieve_script *s, const char *src, struct err *e)
{
	return sieve_parse(s, src, strlen(src), e);
}

/* The first redirect's first address. */
struct first {
	const struct sieve_node *cmd;
	const char *name;
};

static int
find(void *arg, const struct sieve_node *c)
{
	struct first *f = arg;

	if (strcmp(c->name, f->name) != 0)
		return 0;
	f->cmd = c;
	return 1;
}

static const struct sieve_string *
first_string(const struct sieve_script *s, const char *cmd)
{
	struct first f = {NULL, cmd};

	sieve_walk(s, find, &f);
	if (f.cmd == NULL)
		return NULL;
	for (size_t i = f.cmd->nargs; i-- > 0;)
		if (f.cmd->args[i].type == SIEVE_STRINGS)
			return &f.cmd->args[i].strs[0];
	return NULL;
}

static void
test_grammar(void **state)
{
	struct sieve_script s;
	struct err e;
	const char *src =
	    "# a comment\r\n"
	    "require [\"fileinto\", \"copy\"]; /* bracket\n comment */\n"
	    "if anyof (header :contains \"subject\" [\"a\", \"b\"],\n"
	    "          not size :over 100K) {\n"
	    "  fileinto \"INBOX.x\";\n"
	    "} elsif exists \"x-spam\" { discard; stop; }\n"
	    "else { redirect :copy \"boss@example.org\"; }\n";

	(void)state;
	assert_int_equal(parse(&s, src, &e), 0);
	assert_int_equal(s.ncmds, 4);
	assert_string_equal(s.cmds[0].name, "require");
	assert_int_equal(s.cmds[0].args[0].nstrs, 2);
	assert_true(sieve_requires(&s, "copy"));
	assert_false(sieve_requires(&s, "variables"));
	assert_string_equal(s.cmds[1].name, "if");
	assert_int_equal(s.cmds[1].ntests, 1);
	assert_string_equal(s.cmds[1].tests[0].name, "anyof");
	assert_int_equal(s.cmds[1].tests[0].ntests, 2);
	assert_string_equal(s.cmds[1].tests[0].tests[1].name, "not");
	assert_int_equal(s.cmds[1].tests[0].tests[1].tests[0].args[1].num,
			 100 * 1024);
	assert_int_equal(s.cmds[1].nblock, 1);
	assert_int_equal(s.cmds[2].nblock, 2);
	assert_string_equal(s.cmds[3].name, "else");
	assert_int_equal(s.cmds[3].line, 8);
	assert_string_equal(first_string(&s, "redirect")->s,
			    "boss@example.org");
	sieve_free(&s);
}

static void
test_strings(void **state)
{
	struct sieve_script s;
	struct err e;

	(void)state;
	/* escapes: \" and \\, any other escaped character is itself */
	assert_int_equal(parse(&s, "redirect \"a\\\"b\\\\c\\d@x\";", &e), 0);
	assert_string_equal(first_string(&s, "redirect")->s, "a\"b\\cd@x");
	sieve_free(&s);
	/* text: with a comment after it, dot-stuffing and the end line */
	assert_int_equal(parse(&s,
			       "redirect text: # the address\r\n"
			       "..x@evil.example\r\n"
			       "y\n"
			       ".\r\n;",
			       &e),
			 0);
	assert_string_equal(first_string(&s, "redirect")->s,
			    ".x@evil.example\r\ny\n");
	sieve_free(&s);
	/* encoded characters only with the extension */
	assert_int_equal(
	    parse(&s, "redirect \"${hex:61 62}@x${unicode:2e}org\";", &e), 0);
	assert_string_equal(first_string(&s, "redirect")->s,
			    "${hex:61 62}@x${unicode:2e}org");
	sieve_free(&s);
	assert_int_equal(parse(&s,
			       "require \"encoded-character\";\n"
			       "redirect \"${hex:61 62}@x${UNICODE: 2e "
			       "}org${hex:}${hex:zz}\";",
			       &e),
			 0);
	assert_string_equal(first_string(&s, "redirect")->s,
			    "ab@x.org${hex:}${hex:zz}");
	sieve_free(&s);
	assert_int_equal(parse(&s,
			       "require \"encoded-character\";\n"
			       "redirect \"${unicode:4e2d}@x\";",
			       &e),
			 0);
	assert_string_equal(first_string(&s, "redirect")->s, "中@x");
	sieve_free(&s);
	/* a surrogate is an error of the script (RFC 5228 2.4.2.4) */
	assert_int_equal(parse(&s,
			       "require \"encoded-character\";\n"
			       "redirect \"${unicode:d800}\";",
			       &e),
			 -1);
	assert_non_null(strstr(e.msg, "2:"));
	sieve_free(&s);
}

static void
test_variables(void **state)
{
	struct sieve_script s;
	struct err e;

	(void)state;
	assert_int_equal(parse(&s, "redirect \"${to}\";", &e), 0);
	assert_false(first_string(&s, "redirect")->dynamic);
	sieve_free(&s);
	assert_int_equal(parse(&s,
			       "require [\"variables\"];\n"
			       "set \"to\" \"x@evil.example\";\n"
			       "redirect \"${to}\";",
			       &e),
			 0);
	assert_true(first_string(&s, "redirect")->dynamic);
	sieve_free(&s);
	assert_int_equal(parse(&s,
			       "require [\"variables\"];\n"
			       "redirect \"a${1}@x\";",
			       &e),
			 0);
	assert_true(first_string(&s, "redirect")->dynamic);
	sieve_free(&s);
	/* "${" without a name is text */
	assert_int_equal(parse(&s,
			       "require [\"variables\"];\n"
			       "redirect \"a${-}@x\";",
			       &e),
			 0);
	assert_false(first_string(&s, "redirect")->dynamic);
	sieve_free(&s);
}

static void
test_errors(void **state)
{
	static const struct {
		const char *src, *msg;
	} bad[] = {
	    {"keep", "1:5: ';' or '{' expected after the command"},
	    {"if true { keep;", "1:16: block not closed (missing '}')"},
	    {"redirect \"x;", "1:10: string not closed (missing '\"')"},
	    {"/* x", "1:1: bracket comment not closed"},
	    {"redirect text:\nabc\n", "3:1: text: block not ended by a line "
				      "holding only \".\""},
	    {"redirect text: x\n.\n;", "1:16: text: must be followed by the "
				       "end of the line"},
	    {"if anyof (true; false) {}", "1:15: ',' or ')' expected in the "
					  "test list"},
	    {"if anyof (true, ) {}", "1:17: a test expected"},
	    {"x [\"a\" \"b\"];", "1:8: ',' or ']' expected in the string "
				 "list"},
	    {"x : a;", "1:4: a tag name expected after ':'"},
	    {"x 99999999999999999999G;", "1:22: number too large"},
	    {"\"x\";", "1:1: a command expected"},
	    {"keep;\n  \xff;", "2:3: not valid UTF-8"},
	    {"keep;\n\xe4\xb8;", "2:1: not valid UTF-8"},
	};
	struct sieve_script s;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(e.msg, "(none)");
		if (parse(&s, bad[i].src, &e) != -1 ||
		    strcmp(e.msg, bad[i].msg) != 0)
			fail_msg("%s: got '%s', want '%s'", bad[i].src, e.msg,
				 bad[i].msg);
		sieve_free(&s);
	}
	/* a NUL inside is named, not read past */
	assert_int_equal(sieve_parse(&s, "keep;\0keep;", 11, &e), -1);
	assert_string_equal(e.msg, "1:6: NUL byte in the script");
	sieve_free(&s);
}

static void
test_limits(void **state)
{
	struct sieve_script s;
	struct err e;
	char deep[400] = "";
	char *big;

	(void)state;
	for (int i = 0; i < 40; i++)
		strcat(deep, "if true {");
	assert_int_equal(parse(&s, deep, &e), -1);
	assert_non_null(strstr(e.msg, "nested more than 32 deep"));
	sieve_free(&s);
	strcpy(deep, "if ");
	for (int i = 0; i < 40; i++)
		strcat(deep, "not ");
	strcat(deep, "true {}");
	assert_int_equal(parse(&s, deep, &e), -1);
	assert_non_null(strstr(e.msg, "nested more than 32 deep"));
	sieve_free(&s);
	big = calloc(1, SIEVE_MAX_STRING + 64);
	strcpy(big, "redirect \"");
	memset(big + 10, 'a', SIEVE_MAX_STRING + 1);
	strcat(big, "\";");
	assert_int_equal(parse(&s, big, &e), -1);
	assert_non_null(strstr(e.msg, "string longer than 65536 bytes"));
	sieve_free(&s);
	free(big);
}

/* Writes src to a temporary script and audits it against local domain
 * gov.example. */
static void
audit_src(struct mail_audit *a, const char *src)
{
	char path[] = "/tmp/test_sieve_XXXXXX";
	int fd = mkstemp(path);
	const char *sieve[] = {path};
	const char *dom[] = {"gov.example"};
	struct mail_audit_opts o = {0};
	struct err e;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, src, strlen(src)), (ssize_t)strlen(src));
	close(fd);
	o.sieve = sieve;
	o.nsieve = 1;
	o.domains = dom;
	o.ndomains = 1;
	assert_int_equal(mail_audit_run(a, &o, &e), 0);
	unlink(path);
}

static void
test_audit_redirects(void **state)
{
	struct mail_audit a;

	(void)state;
	/* to a colleague: not a finding; vacation and fileinto neither */
	audit_src(&a, "require [\"vacation\", \"fileinto\"];\n"
		      "redirect \"colleague@GOV.example.\";\n"
		      "redirect \"postmaster\";\n"
		      "vacation \"away\"; fileinto \"x\";\n");
	assert_int_equal(a.nf, 0);
	assert_true(a.sieve);
	mail_audit_free(&a);
	/* hidden behind encoded characters, in a nested block */
	audit_src(&a, "require [\"encoded-character\"];\n"
		      "if true { if true {\n"
		      "redirect \"me@${hex:71 71}.com\"; } }\n");
	assert_int_equal(a.nf, 1);
	assert_string_equal(a.f[0].code, "sieve.redirect_external");
	assert_int_equal(a.f[0].line, 3);
	assert_true(a.f[0].fail);
	assert_non_null(strstr(a.f[0].text, "me@qq.com"));
	assert_non_null(a.f[0].text_zh);
	mail_audit_free(&a);
	/* an address computed when the script runs */
	audit_src(&a, "require [\"variables\"];\n"
		      "set \"d\" \"evil.example\";\n"
		      "redirect \"x@${d}\";\n");
	assert_int_equal(a.nf, 1);
	assert_string_equal(a.f[0].code, "sieve.redirect_dynamic");
	mail_audit_free(&a);
	/* notifications out, and a script Pigeonhole would not compile */
	audit_src(&a, "require [\"enotify\"];\n"
		      "notify :message \"new mail\" \"mailto:me@qq.com\";\n");
	assert_int_equal(a.nf, 1);
	assert_string_equal(a.f[0].code, "sieve.notify_external");
	assert_false(a.f[0].fail);
	mail_audit_free(&a);
	audit_src(&a, "redirect \"me@qq.com\"");
	assert_int_equal(a.nf, 1);
	assert_string_equal(a.f[0].code, "sieve.unreadable");
	assert_non_null(strstr(a.f[0].text, "1:21: ';' or '{' expected"));
	mail_audit_free(&a);
}

static void
test_external(void **state)
{
	struct mail_audit a;

	(void)state;
	audit_src(&a, "keep;");
	assert_false(mail_audit_external(&a, "root"));
	assert_false(mail_audit_external(&a, "a@gov.example"));
	assert_false(mail_audit_external(&a, "a@Gov.Example."));
	assert_true(mail_audit_external(&a, "a@sub.gov.example"));
	assert_true(mail_audit_external(&a, "a@gov.example.evil"));
	assert_true(mail_audit_external(&a, "a@[192.0.2.1]"));
	assert_true(mail_audit_external(&a, "a@gov.example@evil"));
	mail_audit_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grammar),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_variables),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_audit_redirects),
	    cmocka_unit_test(test_external),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
