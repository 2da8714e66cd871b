/*
 * cmd_mailaudit.c: govsec mail audit, the e-mail configuration auditor
 * (src/mail/mailaudit.c; REQUIREMENTS.md MAIL-1, MAIL-2).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mail/mailaudit.h"

#define MAX_SIEVE   64
#define MAX_DOMAINS 64

/* The registered domains of e-mail application app into v (strings on
 * the heap, freed by the caller); -1 if it is not one. */
static int
app_domains(struct store *st, const char *app, char **v, size_t *n)
{
	char *list =
	    store_query_text(st,
			     "SELECT coalesce(domains, '[]') FROM apps "
			     "WHERE id = ? AND type = 'email'",
			     (struct store_val[]){SV_TEXT(app)}, 1);
	json_t *arr, *d;
	size_t i;

	if (list == NULL)
		return -1;
	arr = json_loads(list, 0, NULL);
	free(list);
	json_array_foreach(arr, i, d)
	{
		const char *s = json_string_value(json_object_get(d, "name"));

		if (s == NULL)
			s = json_string_value(d);
		if (s != NULL && *n < MAX_DOMAINS)
			v[(*n)++] = xstrdup(s);
	}
	json_decref(arr);
	return 0;
}

static void
print_text(const struct mail_audit *a, int zh)
{
	for (size_t i = 0; i < a->nf; i++) {
		const struct mail_finding *f = &a->f[i];
		const char *text = zh && f->text_zh ? f->text_zh : f->text;
		const char *fix = zh && f->fix_zh ? f->fix_zh : f->fix;

		if (f->line > 0)
			printf("%s:%d: ", f->file, f->line);
		else
			printf("%s: ", f->file);
		if (zh)
			printf("%s %s：%s\n", f->req,
			       f->fail ? "不符合" : "需关注", text);
		else
			printf("%s %s: %s\n", f->req, f->fail ? "fail" : "warn",
			       text);
		if (*fix != '\0')
			printf(zh ? "    整改：%s\n" : "    fix: %s\n", fix);
	}
	printf(zh ? "已读取：%s%s%s%s（%zu 个文件）；MAIL-1 不符合 %zu 项，"
		    "MAIL-2 不符合 %zu 项\n"
		  : "read:%s%s%s%s (%zu files); MAIL-1 failing: %zu, MAIL-2 "
		    "failing: %zu\n",
	       a->postfix ? " postfix" : "", a->dovecot ? " dovecot" : "",
	       a->sieve ? " sieve" : "", a->roundcube ? " roundcube" : "",
	       a->nsources, mail_audit_fails(a, "MAIL-1"),
	       mail_audit_fails(a, "MAIL-2"));
}

int
cmd_mail_audit(struct cli *c, int argc, char **argv)
{
	const char *app = NULL, *postfix = NULL, *dovecot = NULL,
		   *roundcube = NULL, *domains = NULL, *milter = NULL,
		   *lang = NULL;
	const struct opt opts[] = {
	    {"app", 1, &app, NULL},	    {"postfix", 1, &postfix, NULL},
	    {"dovecot", 1, &dovecot, NULL}, {"roundcube", 1, &roundcube, NULL},
	    {"domain", 1, &domains, NULL},  {"milter", 1, &milter, NULL},
	    {"lang", 1, &lang, NULL},	    {"format", 1, &c->format, NULL},
	    {NULL, 0, NULL, NULL}};
	const char *usage =
	    "govsec mail audit [--app APP] [--postfix DIR] [--dovecot FILE] "
	    "[--roundcube FILE] [--domain D,D...] [--milter NAME] "
	    "[--lang zh|en] [--format text|json] [SIEVE...]";
	const char *sieve[MAX_SIEVE];
	char *dom[MAX_DOMAINS], *dlist = NULL;
	size_t ndom = 0;
	struct mail_audit_opts o = {0};
	struct mail_audit a;
	struct err e;
	char id[33];
	int npos, rc = EXIT_USAGE;

	npos = cli_parse(argc, argv, opts, sieve, MAX_SIEVE, usage);
	if (npos < 0)
		return EXIT_USAGE;
	if (postfix == NULL && dovecot == NULL && roundcube == NULL &&
	    npos == 0) {
		cli_error("mail audit: name what to read (--postfix, "
			  "--dovecot, --roundcube or Sieve scripts)\n"
			  "usage: %s",
			  usage);
		return EXIT_USAGE;
	}
	if (lang == NULL) {
		const char *env = getenv("LANG");

		lang = env != NULL && str_starts(env, "zh") ? "zh" : "en";
	}
	if (domains != NULL) {
		dlist = xstrdup(domains);
		for (char *t = strtok(dlist, ", "); t && ndom < MAX_DOMAINS;
		     t = strtok(NULL, ", "))
			dom[ndom++] = xstrdup(t);
	}
	if (app != NULL) {
		if (cli_store(c) < 0)
			goto out;
		if (app_domains(c->st, app, dom, &ndom) < 0) {
			cli_error("mail audit: application %s: not an e-mail "
				  "system of the registry",
				  app);
			goto out;
		}
	}
	o.postfix_dir = postfix;
	o.dovecot_conf = dovecot;
	o.roundcube = roundcube;
	o.sieve = sieve;
	o.nsieve = (size_t)npos;
	o.domains = (const char *const *)dom;
	o.ndomains = ndom;
	o.milter = milter;
	if (mail_audit_run(&a, &o, &e) < 0) {
		cli_error("mail audit: %s", e.msg);
		mail_audit_free(&a);
		goto out;
	}
	if (app != NULL &&
	    mail_audit_record(c->st, app, &a, c->actor, id, &e) < 0) {
		cli_error("mail audit: %s", e.msg);
		mail_audit_free(&a);
		goto out;
	}
	if (cli_json(c)) {
		json_t *j = mail_audit_json(&a);

		if (app != NULL)
			json_object_set_new(j, "id", json_string(id));
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(j);
	} else {
		print_text(&a, strcmp(lang, "zh") == 0);
		if (app != NULL)
			printf("%s %s\n",
			       strcmp(lang, "zh") == 0
				   ? "已记录为检查证据："
				   : "recorded as evidence:",
			       id);
	}
	rc = mail_audit_fails(&a, "MAIL-1") + mail_audit_fails(&a, "MAIL-2") > 0
		 ? EXIT_FINDINGS
		 : 0;
	mail_audit_free(&a);
out:
	for (size_t i = 0; i < ndom; i++)
		free(dom[i]);
	free(dlist);
	return rc;
}

int
cmd_mail(struct cli *c, int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "audit") == 0)
		return cmd_mail_audit(c, argc - 1, argv + 1);
	cli_error("mail: unknown subcommand (audit)");
	return EXIT_USAGE;
}
