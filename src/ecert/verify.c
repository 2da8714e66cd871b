/*
 * verify.c: the register of issued certificates (ecert_each, ecert_get,
 * the newest CRL) and the verification of a presented certificate against
 * the CA and the register: every signature of unit <- issuing <- root with
 * the distinguishing ID, validity at the time asked, the CA flags, and the
 * revocations.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ecert/ecert.h"

#define REC_COLS                                                               \
	"serial, unit, name, not_before, not_after, issued, revoked, "         \
	"reason, key_source, digest, cert_pem"

static void
rec_fill(struct ecert_rec *r, struct store_row *row)
{
	const char *t;

	memset(r, 0, sizeof(*r));
	str_copy(r->serial, store_row_text(row, 0), sizeof(r->serial));
	str_copy(r->unit, store_row_text(row, 1), sizeof(r->unit));
	str_copy(r->name, store_row_text(row, 2), sizeof(r->name));
	str_copy(r->not_before, store_row_text(row, 3), sizeof(r->not_before));
	str_copy(r->not_after, store_row_text(row, 4), sizeof(r->not_after));
	str_copy(r->issued, store_row_text(row, 5), sizeof(r->issued));
	if ((t = store_row_text(row, 6)) != NULL)
		str_copy(r->revoked, t, sizeof(r->revoked));
	if ((t = store_row_text(row, 7)) != NULL)
		str_copy(r->reason, t, sizeof(r->reason));
	str_copy(r->key_source, store_row_text(row, 8), sizeof(r->key_source));
	str_copy(r->digest, store_row_text(row, 9), sizeof(r->digest));
	r->pem = xstrdup(store_row_text(row, 10));
}

struct each {
	int (*fn)(void *arg, const struct ecert_rec *r);
	void *arg;
};

static int
each_row(void *arg, struct store_row *row)
{
	struct each *x = arg;
	struct ecert_rec r;
	int rc;

	rec_fill(&r, row);
	rc = x->fn(x->arg, &r);
	ecert_rec_cleanup(&r);
	return rc;
}

int
ecert_each(struct store *st, const char *unit,
	   int (*fn)(void *arg, const struct ecert_rec *r), void *arg,
	   struct err *e)
{
	struct each x = {fn, arg};
	struct store_val v[1] = {SV_TEXT(unit)};

	if (unit != NULL)
		return store_query(
		    st,
		    "SELECT " REC_COLS " FROM ecert_certs "
		    "WHERE unit = ? ORDER BY issued DESC, serial",
		    v, 1, each_row, &x, e);
	return store_query(st,
			   "SELECT " REC_COLS " FROM ecert_certs "
			   "ORDER BY issued DESC, serial",
			   NULL, 0, each_row, &x, e);
}

static int
get_row(void *arg, struct store_row *row)
{
	rec_fill(arg, row);
	return 1;
}

int
ecert_get(struct store *st, const char *serial, struct ecert_rec *out,
	  struct err *e)
{
	char up[41];
	struct store_val v[1];
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; serial[i] != '\0' && i < sizeof(up) - 1; i++) {
		if (!isxdigit((unsigned char)serial[i])) {
			err_set(e, "'%s' is not a certificate serial (hex)",
				serial);
			return -1;
		}
		up[i] = (char)toupper((unsigned char)serial[i]);
	}
	if (serial[i] != '\0' || i == 0) {
		err_set(e, "'%s' is not a certificate serial (hex)", serial);
		return -1;
	}
	up[i] = '\0';
	v[0] = SV_TEXT(up);
	if (store_query(st,
			"SELECT " REC_COLS " FROM ecert_certs WHERE "
			"serial = ?",
			v, 1, get_row, out, e) < 0)
		return -1;
	return out->pem != NULL ? 0 : 1;
}

char *
ecert_crl_latest(struct store *st)
{
	return store_query_text(st,
				"SELECT crl_pem FROM ecert_crls "
				"ORDER BY number DESC LIMIT 1",
				NULL, 0);
}

const char *
ecert_status_str(enum ecert_status s)
{
	static const char *const names[] = {
	    "valid",	     "revoked",	       "expired",  "not_yet_valid",
	    "bad_signature", "unknown_issuer", "not_ours", "malformed",
	};

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static int
in_time(X509 *x, time_t now)
{
	int a = X509_cmp_time(X509_get0_notBefore(x), &now),
	    b = X509_cmp_time(X509_get0_notAfter(x), &now);

	if (a == 0 || b == 0)
		return -2; /* unreadable */
	if (a > 0)
		return -1;    /* not yet */
	return b < 0 ? 1 : 0; /* 1 expired */
}

static void
verdict(struct ecert_verdict *v, enum ecert_status s, const char *why)
{
	v->status = s;
	str_copy(v->detail, why, sizeof(v->detail));
}

/* The subject's organizationIdentifier without "NTRCN-", and its O. */
static void
subject_unit(X509 *x, struct ecert_verdict *v)
{
	X509_NAME *n = X509_get_subject_name(x);
	unsigned char *u = NULL;
	int i;

	if ((i = X509_NAME_get_index_by_NID(n, NID_organizationIdentifier,
					    -1)) >= 0 &&
	    ASN1_STRING_to_UTF8(
		&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i))) > 0) {
		if (str_starts((const char *)u, "NTRCN-"))
			str_copy(v->unit, (const char *)u + 6, sizeof(v->unit));
		OPENSSL_free(u);
		u = NULL;
	}
	if ((i = X509_NAME_get_index_by_NID(n, NID_organizationName, -1)) >=
		0 &&
	    ASN1_STRING_to_UTF8(
		&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i))) > 0) {
		str_copy(v->name, (const char *)u, sizeof(v->name));
		OPENSSL_free(u);
	}
}

/* Checks one link of the chain: x signed by issuer (a CA), both in time. */
static int
link_ok(X509 *x, X509 *issuer, const char *what, time_t now,
	struct ecert_verdict *v)
{
	char why[200];
	int t;

	if (X509_check_ca(issuer) < 1) {
		str_fmt(why, sizeof(why), "the %s's issuer is not a CA", what);
		verdict(v, ECERT_BAD_SIGNATURE, why);
		return 0;
	}
	if (!sm2_cert_signed_by(x, issuer)) {
		ERR_clear_error();
		str_fmt(why, sizeof(why),
			"the %s's signature does not verify with SM2, SM3 "
			"and the distinguishing ID " ECERT_DISTID,
			what);
		verdict(v, ECERT_BAD_SIGNATURE, why);
		return 0;
	}
	if ((t = in_time(x, now)) != 0) {
		str_fmt(why, sizeof(why), "the %s is %s", what,
			t == 1	  ? "expired"
			: t == -1 ? "not valid yet"
				  : "of unreadable validity");
		verdict(v, t == -1 ? ECERT_NOT_YET_VALID : ECERT_EXPIRED, why);
		return 0;
	}
	return 1;
}

void
ecert_verify(struct store *st, const struct ecert_ca *ca, const void *data,
	     size_t n, time_t now, struct ecert_verdict *v)
{
	X509 *x = sm2_cert_read(data, n);
	struct ecert_rec r;
	struct err e;
	char digest[65], *hex = NULL, why[256];
	BIGNUM *bn = NULL;
	int found;

	memset(v, 0, sizeof(*v));
	ERR_clear_error();
	if (x == NULL) {
		verdict(v, ECERT_MALFORMED,
			"not a certificate (PEM or DER, 64 KiB at most)");
		return;
	}
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) !=
		NULL &&
	    (hex = BN_bn2hex(bn)) != NULL)
		str_copy(v->serial, hex, sizeof(v->serial));
	OPENSSL_free(hex);
	BN_free(bn);
	subject_unit(x, v);
	if (X509_NAME_cmp(X509_get_issuer_name(x),
			  X509_get_subject_name(ca->issuing)) != 0) {
		verdict(v, ECERT_UNKNOWN_ISSUER,
			"not issued by this CA's issuing certificate");
		goto done;
	}
	if (!link_ok(x, ca->issuing, "certificate", now, v) ||
	    !link_ok(ca->issuing, ca->root, "issuing CA certificate", now, v) ||
	    !link_ok(ca->root, ca->root, "root CA certificate", now, v))
		goto done;
	if (v->unit[0] == '\0') {
		verdict(
		    v, ECERT_MALFORMED,
		    "the subject has no organizationIdentifier NTRCN-<USCC>");
		goto done;
	}
	if ((found = ecert_get(st, v->serial, &r, &e)) != 0) {
		verdict(v, ECERT_NOT_OURS,
			found < 0 ? e.msg
				  : "well signed, but not in the register of "
				    "issued certificates");
		goto done;
	}
	sm2_cert_digest(x, digest);
	if (strcmp(digest, r.digest) != 0) {
		verdict(v, ECERT_NOT_OURS,
			"the register holds another certificate under this "
			"serial");
	} else if (r.revoked[0] != '\0') {
		str_fmt(why, sizeof(why), "revoked on %s (%s)", r.revoked,
			r.reason);
		verdict(v, ECERT_REVOKED, why);
	} else {
		str_fmt(why, sizeof(why), "issued to %s, valid until %s",
			r.unit, r.not_after);
		verdict(v, ECERT_VALID, why);
	}
	ecert_rec_cleanup(&r);
done:
	ERR_clear_error();
	X509_free(x);
}
