/*
 * cmd_ecert.c: govsec ca (init | show) and govsec cert (issue | list |
 * show | verify | revoke | crl): the e-certificate authority of
 * src/ecert. Options are checked here; the work is in the library.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "ecert/ecert.h"

static int ca_show(struct cli *c);

/* Opens the store and the CA; with keys, the key-encryption key too. */
static int
open_ca(struct cli *c, int keys, struct ecert_ca *ca)
{
	struct secret_key kek = {0};
	struct err e;
	int rc;

	if (cli_store(c) < 0)
		return -1;
	if (keys && ecert_kek(&kek, &c->cfg, config_store_path(&c->cfg, c->db),
			      0, &e) < 0) {
		cli_error("%s", e.msg);
		return -1;
	}
	rc = ecert_ca_load(c->st, keys ? &kek : NULL, ca, &e);
	secret_key_wipe(&kek);
	if (rc < 0)
		cli_error("%s", e.msg);
	return rc;
}

static int
ca_init(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL}, *org = NULL;
	const struct opt opts[] = {{"org", 1, &org, NULL},
				   {NULL, 0, NULL, NULL}};
	const char *usage = "govsec ca init --org NAME";
	struct secret_key kek = {0};
	struct err e;
	int rc;

	if (cli_parse(argc, argv, opts, pos, 0, usage) < 0)
		return EXIT_USAGE;
	if (org == NULL) {
		cli_error("--org NAME is required (the establishment "
			  "department)\nusage: %s",
			  usage);
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (ecert_kek(&kek, &c->cfg, config_store_path(&c->cfg, c->db), 1, &e) <
	    0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	rc = ecert_ca_init(c->st, &kek, org, c->actor, &e);
	secret_key_wipe(&kek);
	if (rc < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	return ca_show(c);
}

static void
cert_line(const char *role, X509 *x)
{
	BIO *b = BIO_new_fp(stdout, BIO_NOCLOSE);
	char d[65];

	sm2_cert_digest(x, d);
	printf("%-8s ", role);
	fflush(stdout);
	X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
			   XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	BIO_flush(b);
	BIO_free(b);
	printf("\n         sm3 %s\n", d);
}

static int
ca_show(struct cli *c)
{
	struct ecert_ca ca;
	char *pem;

	if (open_ca(c, 0, &ca) < 0)
		return EXIT_USAGE;
	if (cli_json(c)) {
		char *r = sm2_cert_pem(ca.root), *i = sm2_cert_pem(ca.issuing);
		json_t *o = json_pack("{s:s, s:s, s:s}", "root", r, "issuing",
				      i, "distinguishing_id", ECERT_DISTID);

		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
		free(r);
		free(i);
	} else {
		cert_line("root", ca.root);
		cert_line("issuing", ca.issuing);
		printf("signatures: SM2 with SM3, distinguishing ID %s\n",
		       ECERT_DISTID);
		pem = ecert_crl_latest(c->st);
		printf("crl: %s\n", pem != NULL ? "signed" : "none yet");
		free(pem);
	}
	ecert_ca_free(&ca);
	return 0;
}

int
cmd_ca(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";

	if (!strcmp(verb, "init"))
		return ca_init(c, argc - 1, argv + 1);
	if (!strcmp(verb, "show") && argc == 2)
		return ca_show(c);
	if (!strcmp(verb, "chain") && argc == 2) {
		struct ecert_ca ca;
		char *r, *i;

		if (open_ca(c, 0, &ca) < 0)
			return EXIT_USAGE;
		i = sm2_cert_pem(ca.issuing);
		r = sm2_cert_pem(ca.root);
		fputs(i, stdout);
		fputs(r, stdout);
		free(i);
		free(r);
		ecert_ca_free(&ca);
		return 0;
	}
	cli_error("usage: govsec ca init --org NAME | show | chain");
	return EXIT_USAGE;
}

static json_t *
rec_json(const struct ecert_rec *r)
{
	return ecert_rec_json(r, time_now());
}

static const char *
rec_state(const struct ecert_rec *r)
{
	return ecert_rec_state(r, time_now());
}

static int
list_one(void *arg, const struct ecert_rec *r)
{
	json_t *arr = arg;

	if (arr != NULL) {
		json_array_append_new(arr, rec_json(r));
		return 0;
	}
	printf("%s  %-18s %-8s until %s  %s\n", r->serial, r->unit,
	       rec_state(r), r->not_after, r->name);
	return 0;
}

static int
cert_list(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL};
	const struct opt opts[] = {{"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	json_t *arr = NULL;
	struct err e;
	int npos = cli_parse(argc, argv, opts, pos, 1,
			     "govsec cert list [UNIT] [--format text|json]");

	if (npos < 0)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (cli_json(c))
		arr = json_array();
	if (ecert_each(c->st, pos[0], list_one, arr, &e) < 0) {
		cli_error("%s", e.msg);
		json_decref(arr);
		return EXIT_USAGE;
	}
	if (arr != NULL) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(arr);
	}
	return 0;
}

static int
cert_show(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL};
	const struct opt opts[] = {{"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	struct ecert_rec r;
	struct err e;
	int found;

	if (cli_parse(argc, argv, opts, pos, 1,
		      "govsec cert show SERIAL [--format text|json|pem]") != 1)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if ((found = ecert_get(c->st, pos[0], &r, &e)) != 0) {
		cli_error("%s", found < 0 ? e.msg : "no such certificate");
		return EXIT_USAGE;
	}
	if (!strcmp(c->format, "pem")) {
		fputs(r.pem, stdout);
	} else if (cli_json(c)) {
		json_t *o = rec_json(&r);

		json_object_set_new(o, "pem", json_string(r.pem));
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		printf("serial:     %s\nunit:       %s %s\nstate:      %s",
		       r.serial, r.unit, r.name, rec_state(&r));
		if (r.revoked[0] != '\0')
			printf(" on %s (%s)", r.revoked, r.reason);
		printf("\nvalid:      %s .. %s\nissued:     %s\nkey:        "
		       "%s\nsm3:        %s\n",
		       r.not_before, r.not_after, r.issued, r.key_source,
		       r.digest);
	}
	ecert_rec_cleanup(&r);
	return 0;
}

static int
cert_issue(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL}, *csr = NULL, *key_out = NULL, *days = NULL;
	const struct opt opts[] = {{"csr", 1, &csr, NULL},
				   {"key-out", 1, &key_out, NULL},
				   {"days", 1, &days, NULL},
				   {"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	const char *usage = "govsec cert issue UNIT (--csr FILE | --key-out "
			    "FILE) [--days N] [--format text|json]";
	struct ecert_issue in = {0};
	struct ecert_rec r;
	struct ecert_ca ca;
	struct buf b = BUF_INIT(64 * 1024);
	char pass[33];
	long long d = 0;
	struct err e;
	int rc = EXIT_USAGE;

	if (cli_parse(argc, argv, opts, pos, 1, usage) != 1)
		return EXIT_USAGE;
	if ((csr != NULL) == (key_out != NULL)) {
		cli_error("give one of --csr FILE or --key-out FILE\nusage: %s",
			  usage);
		return EXIT_USAGE;
	}
	if (days != NULL && str_to_ll(days, 1, ECERT_DAYS_MAX, &d) < 0) {
		cli_error("--days: '%s' is not a number of days from 1 to %d",
			  days, ECERT_DAYS_MAX);
		return EXIT_USAGE;
	}
	if (csr != NULL && buf_read_file(&b, csr, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (open_ca(c, 1, &ca) < 0)
		goto done_buf;
	in.unit = pos[0];
	in.csr_pem = csr != NULL ? b.data : NULL;
	in.csr_len = b.len;
	in.key_out = key_out;
	in.days = (int)d;
	if (ecert_issue(c->st, &ca, &in, c->actor, &r, pass, &e) < 0) {
		cli_error("%s", e.msg);
		goto done;
	}
	if (cli_json(c)) {
		json_t *o = rec_json(&r);

		json_object_set_new(o, "pem", json_string(r.pem));
		if (key_out != NULL) {
			json_object_set_new(o, "key_file",
					    json_string(key_out));
			json_object_set_new(o, "passphrase", json_string(pass));
		}
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		printf("issued %s to %s %s, valid until %s\n", r.serial, r.unit,
		       r.name, r.not_after);
		if (key_out != NULL)
			printf("private key: %s (encrypted PKCS#8)\n"
			       "passphrase:  %s\n"
			       "hand both to the unit; govsec keeps no copy "
			       "and shows the passphrase only now\n",
			       key_out, pass);
		fputs(r.pem, stdout);
	}
	OPENSSL_cleanse(pass, sizeof(pass));
	ecert_rec_cleanup(&r);
	rc = 0;
done:
	ecert_ca_free(&ca);
done_buf:
	buf_cleanup(&b);
	return rc;
}

static int
cert_verify(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL}, *at = NULL;
	const struct opt opts[] = {{"at", 1, &at, NULL},
				   {"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	struct buf b = BUF_INIT(64 * 1024);
	struct ecert_verdict v;
	struct ecert_ca ca;
	time_t now = time_now();
	struct err e;

	if (cli_parse(argc, argv, opts, pos, 1,
		      "govsec cert verify FILE [--at TIME] "
		      "[--format text|json]") != 1)
		return EXIT_USAGE;
	if (at != NULL && time_parse(at, &now) < 0) {
		cli_error("--at: '%s' is not a date or RFC 3339 time", at);
		return EXIT_USAGE;
	}
	if (buf_read_file(&b, pos[0], &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (open_ca(c, 0, &ca) < 0) {
		buf_cleanup(&b);
		return EXIT_USAGE;
	}
	ecert_verify(c->st, &ca, b.data, b.len, now, &v);
	if (cli_json(c)) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "status",
				      ecert_status_str(v.status), "serial",
				      v.serial, "unit", v.unit, "name", v.name,
				      "detail", v.detail);

		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		printf("%s: %s\n", ecert_status_str(v.status), v.detail);
	}
	ecert_ca_free(&ca);
	buf_cleanup(&b);
	return v.status == ECERT_VALID ? 0 : EXIT_FINDINGS;
}

static int
cert_revoke(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL}, *reason = NULL;
	const struct opt opts[] = {{"reason", 1, &reason, NULL},
				   {NULL, 0, NULL, NULL}};
	struct ecert_ca ca;
	struct err e;
	int rc = 0;

	if (cli_parse(argc, argv, opts, pos, 1,
		      "govsec cert revoke SERIAL [--reason R]") != 1)
		return EXIT_USAGE;
	if (open_ca(c, 1, &ca) < 0)
		return EXIT_USAGE;
	if (ecert_revoke(c->st, &ca, pos[0], reason, c->actor, &e) < 0) {
		cli_error("%s", e.msg);
		rc = EXIT_USAGE;
	} else {
		printf("revoked %s; a new CRL is signed\n", pos[0]);
	}
	ecert_ca_free(&ca);
	return rc;
}

static int
cert_crl(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL};
	int sign = 0;
	const struct opt opts[] = {{"sign", 0, NULL, &sign},
				   {NULL, 0, NULL, NULL}};
	struct ecert_ca ca;
	struct err e;
	char *pem;

	if (cli_parse(argc, argv, opts, pos, 0, "govsec cert crl [--sign]") < 0)
		return EXIT_USAGE;
	if (open_ca(c, sign, &ca) < 0)
		return EXIT_USAGE;
	if (sign && ecert_crl_sign(c->st, &ca, c->actor, &e) < 0) {
		cli_error("%s", e.msg);
		ecert_ca_free(&ca);
		return EXIT_USAGE;
	}
	ecert_ca_free(&ca);
	if ((pem = ecert_crl_latest(c->st)) == NULL) {
		cli_error(
		    "no CRL has been signed yet (govsec cert crl --sign)");
		return EXIT_USAGE;
	}
	fputs(pem, stdout);
	free(pem);
	return 0;
}

int
cmd_cert(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";

	if (!strcmp(verb, "issue"))
		return cert_issue(c, argc - 1, argv + 1);
	if (!strcmp(verb, "list"))
		return cert_list(c, argc - 1, argv + 1);
	if (!strcmp(verb, "show"))
		return cert_show(c, argc - 1, argv + 1);
	if (!strcmp(verb, "verify"))
		return cert_verify(c, argc - 1, argv + 1);
	if (!strcmp(verb, "revoke"))
		return cert_revoke(c, argc - 1, argv + 1);
	if (!strcmp(verb, "crl"))
		return cert_crl(c, argc - 1, argv + 1);
	cli_error("usage: govsec cert issue | list | show | verify | revoke | "
		  "crl");
	return EXIT_USAGE;
}

static int
operator_add(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL}, *rate = NULL;
	const struct opt opts[] = {{"rate", 1, &rate, NULL},
				   {NULL, 0, NULL, NULL}};
	long long n = ECERT_RATE_DEF;
	struct err e;

	if (cli_parse(argc, argv, opts, pos, 1,
		      "govsec operator add NAME [--rate PER_MINUTE]") != 1)
		return EXIT_USAGE;
	if (rate != NULL && str_to_ll(rate, 1, 100000, &n) < 0) {
		cli_error("--rate: '%s' is not a number from 1 to 100000",
			  rate);
		return EXIT_USAGE;
	}
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (ecert_operator_add(c->st, pos[0], (int)n, c->actor, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	printf("operator '%s' added (%lld verifications a minute per key)\n",
	       pos[0], n);
	return 0;
}

static int
operator_key(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL};
	const struct opt opts[] = {{NULL, 0, NULL, NULL}};
	char key[ECERT_KEY_MAX];
	struct err e;

	if (cli_parse(argc, argv, opts, pos, 1, "govsec operator key NAME") !=
	    1)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (ecert_operator_key(c->st, pos[0], c->actor, key, &e) < 0) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (cli_json(c)) {
		json_t *o =
		    json_pack("{s:s, s:s}", "operator", pos[0], "key", key);

		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else
		printf("%s\nthe key is shown only now; govsec keeps its digest "
		       "only\n",
		       key);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

int
cmd_operator(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	struct err e;
	int rc;

	if (!strcmp(verb, "add"))
		return operator_add(c, argc - 1, argv + 1);
	if (!strcmp(verb, "key"))
		return operator_key(c, argc - 1, argv + 1);
	if (!strcmp(verb, "list") && argc == 2) {
		json_t *arr;

		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if ((arr = ecert_operators_json(c->st, &e)) == NULL) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		if (cli_json(c)) {
			json_dumpf(arr, stdout, JSON_INDENT(2));
			putchar('\n');
		} else {
			for (size_t i = 0; i < json_array_size(arr); i++) {
				json_t *o = json_array_get(arr, i), *k;
				size_t j;

				printf("%s  %lld/min%s\n",
				       json_string_value(
					   json_object_get(o, "name")),
				       (long long)json_integer_value(
					   json_object_get(o, "rate")),
				       json_is_string(
					   json_object_get(o, "disabled"))
					   ? "  disabled"
					   : "");
				json_array_foreach(json_object_get(o, "keys"),
						   j, k)
				    printf("  key %s  %s%s\n",
					   json_string_value(
					       json_object_get(k, "id")),
					   json_string_value(
					       json_object_get(k, "created")),
					   json_is_string(
					       json_object_get(k, "revoked"))
					       ? "  revoked"
					       : "");
			}
		}
		json_decref(arr);
		return 0;
	}
	if ((!strcmp(verb, "disable") || !strcmp(verb, "key-revoke")) &&
	    argc == 3) {
		if (cli_store(c) < 0)
			return EXIT_USAGE;
		rc = !strcmp(verb, "disable")
			 ? ecert_operator_disable(c->st, argv[2], c->actor, &e)
			 : ecert_key_revoke(c->st, argv[2], c->actor, &e);
		if (rc < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("%s %s\n",
		       !strcmp(verb, "disable") ? "disabled" : "revoked key",
		       argv[2]);
		return 0;
	}
	cli_error("usage: govsec operator add NAME [--rate N] | key NAME | "
		  "list | disable NAME | key-revoke KEYID");
	return EXIT_USAGE;
}

static int
tlog_monitor_cmd(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL}, *root = NULL, *state = NULL;
	const struct opt opts[] = {{"root", 1, &root, NULL},
				   {"state", 1, &state, NULL},
				   {NULL, 0, NULL, NULL}};
	struct err e;
	int rc;

	(void)c;
	if (cli_parse(argc, argv, opts, pos, 1,
		      "govsec tlog monitor URL --root FILE --state FILE") !=
		1 ||
	    root == NULL || state == NULL) {
		cli_error("usage: govsec tlog monitor URL --root FILE --state "
			  "FILE");
		return EXIT_USAGE;
	}
	rc = tlog_monitor(pos[0], root, state, stdout, &e);
	if (rc != 0) {
		cli_error("%s%s", rc > 0 ? "the log does not hold: " : "",
			  e.msg);
		return rc > 0 ? EXIT_FINDINGS : EXIT_USAGE;
	}
	return 0;
}

static int
print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
	return 0;
}

static int
num_arg(const char *what, const char *s, long long min, long long *out)
{
	if (str_to_ll(s, min, LLONG_MAX, out) < 0) {
		cli_error("%s: '%s' is not a whole number >= %lld", what, s,
			  min);
		return -1;
	}
	return 0;
}

int
cmd_tlog(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	const char *pos[2] = {NULL, NULL}, *size = NULL, *start = NULL,
		   *count = NULL;
	const struct opt opts[] = {{"size", 1, &size, NULL},
				   {"start", 1, &start, NULL},
				   {"count", 1, &count, NULL},
				   {NULL, 0, NULL, NULL}};
	const char *usage =
	    "govsec tlog head | entries [--start N] [--count N] "
	    "| prove INDEX [--size N] | consistency FIRST "
	    "[SECOND] | audit | monitor URL --root FILE "
	    "--state FILE";
	long long a = 0, b, n;
	struct ecert_ca ca;
	struct err e;
	json_t *o;
	char *head;
	int npos, rc;

	if (!strcmp(verb, "monitor"))
		return tlog_monitor_cmd(c, argc - 1, argv + 1);
	npos = cli_parse(argc - 1, argv + 1, opts, pos, 2, usage);
	if (npos < 0)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	n = tlog_size(c->st);
	b = n;
	if (size != NULL && num_arg("--size", size, 1, &b) < 0)
		return EXIT_USAGE;
	if (!strcmp(verb, "head") && npos == 0) {
		/* signed when the key-encryption key is at hand */
		struct secret_key kek = {0};
		int keys =
		    ecert_kek(&kek, &c->cfg, config_store_path(&c->cfg, c->db),
			      0, &e) == 0;

		rc = ecert_ca_load(c->st, keys ? &kek : NULL, &ca, &e);
		secret_key_wipe(&kek);
		head = tlog_head(c->st, rc == 0 ? &ca : NULL, &e);
		if (rc == 0)
			ecert_ca_free(&ca);
		if (head == NULL) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		puts(head);
		free(head);
		return 0;
	}
	if (!strcmp(verb, "entries") && npos == 0) {
		long long cnt = TLOG_ENTRIES_MAX;

		if ((start != NULL && num_arg("--start", start, 0, &a) < 0) ||
		    (count != NULL && num_arg("--count", count, 1, &cnt) < 0))
			return EXIT_USAGE;
		o = tlog_entries_json(c->st, a, cnt, &e);
	} else if (!strcmp(verb, "prove") && npos == 1) {
		if (num_arg("INDEX", pos[0], 0, &a) < 0)
			return EXIT_USAGE;
		o = tlog_proof_json(c->st, a, b, &e);
	} else if (!strcmp(verb, "consistency") && npos >= 1) {
		if (num_arg("FIRST", pos[0], 1, &a) < 0 ||
		    (npos == 2 && num_arg("SECOND", pos[1], 1, &b) < 0))
			return EXIT_USAGE;
		o = tlog_consistency_json(c->st, a, b, &e);
	} else if (!strcmp(verb, "audit") && npos == 0) {
		if ((rc = tlog_audit(c->st, &e)) != 0) {
			cli_error("%s", e.msg);
			return rc < 0 ? EXIT_USAGE : EXIT_FINDINGS;
		}
		printf("the log's %lld entries agree with its tree\n", n);
		return 0;
	} else {
		cli_error("usage: %s", usage);
		return EXIT_USAGE;
	}
	if (o == NULL) {
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	return print_json(o);
}

/* govsec name apply | list | approve | reject (NAME-2; docs/ecert.md) */
int
cmd_name_decide(struct cli *c, int argc, char **argv)
{
	const char *verb = argv[1];
	const char *pos[3] = {NULL, NULL, NULL}, *unit = NULL, *app = NULL,
		   *reason = NULL, *state = NULL;
	const struct opt opts[] = {
	    {"unit", 1, &unit, NULL},	     {"app", 1, &app, NULL},
	    {"reason", 1, &reason, NULL},    {"state", 1, &state, NULL},
	    {"format", 1, &c->format, NULL}, {NULL, 0, NULL, NULL}};
	const char *usage =
	    "govsec name apply NAME --unit USCC [--app ID] | list [--unit "
	    "USCC] [--state pending|approved|rejected] | approve ID | reject "
	    "ID --reason TEXT";
	struct ecert_name_conflict nc;
	long long id = 0;
	struct err e;
	json_t *o;
	int npos = cli_parse(argc - 1, argv + 1, opts, pos, 1, usage), rc;

	if (npos < 0)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (!strcmp(verb, "apply") && npos == 1 && unit != NULL) {
		rc = ecert_name_apply(c->st, unit, app, pos[0], c->actor, &id,
				      &nc, &e);
		if (rc < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		if (cli_json(c)) {
			o = json_pack("{s:s, s:I, s:s, s:s, s:s?, s:s?, s:s?}",
				      "state", rc == 0 ? "pending" : "refused",
				      "id", rc == 0 ? (json_int_t)id : 0,
				      "name1", nc.name1, "name1_reason",
				      nc.name1_why, "conflict_name",
				      nc.id ? nc.name : NULL, "conflict_unit",
				      nc.id ? nc.unit : NULL, "reason",
				      nc.why[0] ? nc.why : NULL);
			print_json(o);
		} else if (rc == 0) {
			printf("application %lld pending (NAME-1: %s: %s)\n",
			       id, nc.name1, nc.name1_why);
		} else if (nc.id != 0) {
			printf("refused: '%s' is confusable with '%s' of unit "
			       "%s, approved: %s\n",
			       pos[0], nc.name, nc.unit, nc.why);
		} else {
			printf("refused: %s\n",
			       nc.why[0] ? nc.why : nc.name1_why);
		}
		return rc == 0 ? 0 : EXIT_FINDINGS;
	}
	if ((!strcmp(verb, "approve") || !strcmp(verb, "reject")) &&
	    npos == 1) {
		if (str_to_ll(pos[0], 1, LLONG_MAX, &id) < 0) {
			cli_error("'%s' is not an application's id", pos[0]);
			return EXIT_USAGE;
		}
		if (ecert_name_decide(c->st, id, !strcmp(verb, "approve"),
				      reason, c->actor, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("%s %lld\n",
		       !strcmp(verb, "approve") ? "approved" : "rejected", id);
		return 0;
	}
	if (!strcmp(verb, "list") && npos == 0) {
		if ((o = ecert_names_json(c->st, unit, state, &e)) == NULL) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		if (cli_json(c))
			return print_json(o);
		for (size_t i = 0; i < json_array_size(o); i++) {
			json_t *n = json_array_get(o, i);

			printf("%lld  %-9s %s  %s\n",
			       (long long)json_integer_value(
				   json_object_get(n, "id")),
			       json_string_value(json_object_get(n, "state")),
			       json_string_value(json_object_get(n, "unit")),
			       json_string_value(json_object_get(n, "name")));
		}
		json_decref(o);
		return 0;
	}
	cli_error("usage: %s", usage);
	return EXIT_USAGE;
}

/* govsec logo issue | list | svg | revoke (LOGO-1; docs/ecert.md) */
int
cmd_logo(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	const char *pos[1] = {NULL}, *base = "http://localhost", *reason = NULL;
	const struct opt opts[] = {{"base", 1, &base, NULL},
				   {"reason", 1, &reason, NULL},
				   {"format", 1, &c->format, NULL},
				   {NULL, 0, NULL, NULL}};
	const char *usage = "govsec logo issue APP | list [UNIT] | svg ID "
			    "[--base URL] | revoke ID --reason TEXT";
	struct ecert_logo l;
	struct buf b = BUF_INIT(512 * 1024);
	struct err e;
	char id[17];
	json_t *o;
	int npos, found;

	npos = cli_parse(argc - 1, argv + 1, opts, pos, 1, usage);
	if (npos < 0)
		return EXIT_USAGE;
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (!strcmp(verb, "issue") && npos == 1) {
		if (ecert_logo_issue(c->st, pos[0], c->actor, id, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("%s\n", id);
		return 0;
	}
	if (!strcmp(verb, "list")) {
		if ((o = ecert_logos_json(c->st, pos[0], 0, &e)) == NULL) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		if (cli_json(c))
			return print_json(o);
		for (size_t i = 0; i < json_array_size(o); i++) {
			json_t *x = json_array_get(o, i);
			const char *rev =
			    json_string_value(json_object_get(x, "revoked"));

			printf("%s  %-18s %-12s %s%s\n",
			       json_string_value(json_object_get(x, "id")),
			       json_string_value(json_object_get(x, "unit")),
			       json_string_value(json_object_get(x, "app")),
			       rev != NULL ? "revoked " : "valid",
			       rev != NULL ? rev : "");
		}
		json_decref(o);
		return 0;
	}
	if (!strcmp(verb, "svg") && npos == 1) {
		if ((found = ecert_logo_get(c->st, pos[0], &l, &e)) != 0) {
			cli_error("%s", found < 0 ? e.msg : "no such logo");
			return EXIT_USAGE;
		}
		if (ecert_logo_svg(&l, base, &b) < 0) {
			ecert_logo_cleanup(&l);
			cli_error("cannot draw the badge");
			return EXIT_USAGE;
		}
		fwrite(b.data, 1, b.len, stdout);
		putchar('\n');
		ecert_logo_cleanup(&l);
		buf_cleanup(&b);
		return 0;
	}
	if (!strcmp(verb, "revoke") && npos == 1) {
		if (ecert_logo_revoke(c->st, pos[0], reason, c->actor, &e) <
		    0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("revoked %s\n", pos[0]);
		return 0;
	}
	cli_error("usage: %s", usage);
	return EXIT_USAGE;
}
