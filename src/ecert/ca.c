/*
 * ca.c: the establishment department's certificate authority: a root and
 * an issuing CA made once (ecert_ca_init), unit certificates issued from
 * the registry (ecert_issue), revocation and CRLs. Keys stay sealed under
 * the key-encryption key; every issuance and revocation is audited in the
 * same transaction as the row it writes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "audit/audit.h"
#include "ecert/ecert.h"

#define ROOT_DAYS    7300
#define ISSUING_DAYS 3650
#define CRL_DAYS     7
#define DAYS_DEFAULT 730

int
ecert_kek(struct secret_key *k, const struct config *c, const char *store_path,
	  int create, struct err *e)
{
	char path[4096];

	if (c->ecert_kek[0] != '\0') {
		if (str_copy(path, c->ecert_kek, sizeof(path)) < 0)
			goto toolong;
	} else if (str_starts(store_path, "postgresql:") ||
		   str_starts(store_path, "postgres:")) {
		err_set(e, "a '%s' store needs [ecert] kek (a key file)",
			"postgresql:");
		return -1;
	} else if (str_fmt(path, sizeof(path), "%s.ecert.key", store_path) <
		   0) {
		goto toolong;
	}
	if (create && access(path, F_OK) < 0 && errno == ENOENT &&
	    secret_key_create(path, e) < 0)
		return -1;
	if (secret_key_load(k, path, e) < 0) {
		err_prefix(e, "the CA's key-encryption key ([ecert] kek)");
		return -1;
	}
	return 0;
toolong:
	err_set(e, "the key-encryption key's path is too long");
	return -1;
}

/* A random positive 128-bit serial, as hex into out (33 bytes). */
static ASN1_INTEGER *
new_serial(char out[41])
{
	unsigned char raw[16];
	BIGNUM *bn;
	ASN1_INTEGER *s = NULL;
	char *hex;

	if (rand_bytes(raw, sizeof(raw)) < 0)
		return NULL;
	raw[0] = (unsigned char)((raw[0] & 0x7f) | 0x40);
	if ((bn = BN_bin2bn(raw, sizeof(raw), NULL)) == NULL)
		return NULL;
	s = BN_to_ASN1_INTEGER(bn, NULL);
	hex = BN_bn2hex(bn);
	if (hex == NULL || str_copy(out, hex, 41) < 0) {
		ASN1_INTEGER_free(s);
		s = NULL;
	}
	OPENSSL_free(hex);
	BN_free(bn);
	return s;
}

static int
name_add(X509_NAME *n, int nid, const char *v)
{
	return X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8,
					  (const unsigned char *)v, -1, -1,
					  0) == 1
		   ? 0
		   : -1;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

/* DER of a UTF8String of s (< 128 bytes) appended at p; bytes written. */
static size_t
der_utf8(unsigned char *p, const char *s)
{
	size_t n = strlen(s);

	p[0] = 0x0c;
	p[1] = (unsigned char)n;
	memcpy(p + 2, s, n);
	return n + 2;
}

/* The unit extension: SEQUENCE { kind UTF8String, level UTF8String }. */
static int
add_unit_ext(X509 *x, const char *kind, const char *level)
{
	unsigned char der[260];
	size_t n = 2;
	ASN1_OBJECT *obj;
	ASN1_OCTET_STRING *os;
	X509_EXTENSION *ext = NULL;
	int ok = -1;

	if (strlen(kind) > 60 || strlen(level) > 60)
		return -1;
	n += der_utf8(der + n, kind);
	n += der_utf8(der + n, level);
	der[0] = 0x30;
	der[1] = (unsigned char)(n - 2);
	if ((obj = OBJ_txt2obj(ECERT_UNIT_OID, 1)) == NULL)
		return -1;
	if ((os = ASN1_OCTET_STRING_new()) != NULL &&
	    ASN1_OCTET_STRING_set(os, der, (int)n) == 1 &&
	    (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL &&
	    X509_add_ext(x, ext, -1) == 1)
		ok = 0;
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	return ok;
}

/* OpenSSL's last reason, for a message; the error queue is cleared. */
static const char *
ssl_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_last_error());

	ERR_clear_error();
	return r != NULL ? r : "no reason given";
}

struct certspec {
	X509_NAME *subject;
	EVP_PKEY *pub;
	X509 *issuer; /* NULL: self-signed */
	EVP_PKEY *sign;
	int days;
	int ca;	     /* 1: a CA; pathlen below */
	int pathlen; /* -1: none */
	const char *kind, *level;
	char serial[41];
};

static X509 *
make_cert(struct certspec *s, struct err *e)
{
	X509 *x = X509_new();
	ASN1_INTEGER *serial = new_serial(s->serial);
	time_t now = time_now();
	char bc[64];
	EVP_MD_CTX *m = NULL;

	if (x == NULL || serial == NULL || X509_set_version(x, 2) != 1 ||
	    X509_set_serialNumber(x, serial) != 1 ||
	    X509_set_subject_name(x, s->subject) != 1 ||
	    X509_set_issuer_name(x, s->issuer != NULL
					? X509_get_subject_name(s->issuer)
					: s->subject) != 1 ||
	    X509_set_pubkey(x, s->pub) != 1 ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), s->days, 0, &now) == NULL)
		goto fail;
	if (s->ca && s->pathlen >= 0)
		str_fmt(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d",
			s->pathlen);
	else
		str_fmt(bc, sizeof(bc), "critical,%s",
			s->ca ? "CA:TRUE" : "CA:FALSE");
	if (add_ext(x, s->issuer, NID_basic_constraints, bc) < 0 ||
	    add_ext(x, s->issuer, NID_key_usage,
		    s->ca ? "critical,keyCertSign,cRLSign"
			  : "critical,digitalSignature,nonRepudiation") < 0 ||
	    add_ext(x, s->issuer, NID_subject_key_identifier, "hash") < 0 ||
	    (s->issuer != NULL &&
	     add_ext(x, s->issuer, NID_authority_key_identifier,
		     "keyid:always") < 0) ||
	    (s->kind != NULL && add_unit_ext(x, s->kind, s->level) < 0))
		goto fail;
	if ((m = sm2_sign_ctx(s->sign)) == NULL || X509_sign_ctx(x, m) <= 0)
		goto fail;
	EVP_MD_CTX_free(m);
	ASN1_INTEGER_free(serial);
	return x;
fail:
	err_set(e, "cannot make the certificate (OpenSSL: %s)", ssl_reason());
	EVP_MD_CTX_free(m);
	ASN1_INTEGER_free(serial);
	X509_free(x);
	return NULL;
}

static int
ca_put(struct store *st, const char *role, X509 *x, EVP_PKEY *key,
       const struct secret_key *kek, struct err *e)
{
	char ctx[64], at[32];
	char *pem = sm2_cert_pem(x), *sealed;
	struct store_val v[4];
	int rc = -1;

	str_fmt(ctx, sizeof(ctx), "ecert_ca.key:%s", role);
	if (pem == NULL || (sealed = sm2_key_seal(key, kek, ctx, e)) == NULL) {
		free(pem);
		return -1;
	}
	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_TEXT(role);
	v[1] = SV_TEXT(pem);
	v[2] = SV_TEXT(sealed);
	v[3] = SV_TEXT(at);
	rc = store_exec(st,
			"INSERT INTO ecert_ca (role, cert_pem, key_sealed, "
			"created) VALUES (?, ?, ?, ?)",
			v, 4, e);
	free(pem);
	free(sealed);
	return rc;
}

/* Appends a log entry of kind made of the pairs of strings (NULL ends). */
static int
log_entry(struct store *st, const char *kind, struct err *e, ...)
{
	json_t *o = json_pack("{s:s}", "type", kind);
	const char *k, *v;
	char *txt;
	va_list ap;
	long long rc;

	va_start(ap, e);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		json_object_set_new(o, k, json_string(v));
	}
	va_end(ap);
	txt = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (txt == NULL) {
		err_set(e, "cannot encode the log entry");
		return -1;
	}
	rc = tlog_append(st, kind, txt, e);
	free(txt);
	return rc < 0 ? -1 : 0;
}

int
ecert_ca_init(struct store *st, const struct secret_key *kek, const char *org,
	      const char *actor, struct err *e)
{
	struct certspec root = {0}, iss = {0}, rec = {0};
	X509 *rx = NULL, *ix = NULL, *cx = NULL;
	EVP_PKEY *rk = NULL, *ik = NULL, *ck = NULL;
	char cn[256], digest[65];
	int rc = -1;

	if (org == NULL || !str_utf8_valid(org, strlen(org)) ||
	    str_utf8_len(org) < 2 || str_utf8_len(org) > 40) {
		err_set(e, "the CA's organisation name must be 2 to 40 "
			   "characters of UTF-8");
		return -1;
	}
	if (store_begin(st, e) < 0)
		return -1;
	if (store_query_int(st, "SELECT COUNT(*) FROM ecert_ca", NULL, 0, 0) >
	    0) {
		err_set(e, "a CA exists already (govsec ca show); it is made "
			   "once");
		goto fail;
	}
	if ((rk = sm2_keygen()) == NULL || (ik = sm2_keygen()) == NULL ||
	    (ck = sm2_keygen()) == NULL) {
		err_set(e, "cannot generate SM2 keys");
		goto fail;
	}
	root.subject = X509_NAME_new();
	iss.subject = X509_NAME_new();
	rec.subject = X509_NAME_new();
	str_fmt(cn, sizeof(cn), "%s Root CA", org);
	if (name_add(root.subject, NID_countryName, "CN") < 0 ||
	    name_add(root.subject, NID_organizationName, org) < 0 ||
	    name_add(root.subject, NID_commonName, cn) < 0 ||
	    str_fmt(cn, sizeof(cn), "%s Issuing CA", org) < 0 ||
	    name_add(iss.subject, NID_countryName, "CN") < 0 ||
	    name_add(iss.subject, NID_organizationName, org) < 0 ||
	    name_add(iss.subject, NID_commonName, cn) < 0 ||
	    str_fmt(cn, sizeof(cn), "%s Verification Receipts", org) < 0 ||
	    name_add(rec.subject, NID_countryName, "CN") < 0 ||
	    name_add(rec.subject, NID_organizationName, org) < 0 ||
	    name_add(rec.subject, NID_commonName, cn) < 0) {
		err_set(e, "the CA's organisation name is too long for a "
			   "certificate subject");
		goto fail;
	}
	root.pub = root.sign = rk;
	root.days = ROOT_DAYS;
	root.ca = 1;
	root.pathlen = 1;
	if ((rx = make_cert(&root, e)) == NULL)
		goto fail;
	iss.pub = ik;
	iss.sign = rk;
	iss.issuer = rx;
	iss.days = ISSUING_DAYS;
	iss.ca = 1;
	iss.pathlen = 0;
	if ((ix = make_cert(&iss, e)) == NULL)
		goto fail;
	rec.pub = ck;
	rec.sign = rk;
	rec.issuer = rx;
	rec.days = ISSUING_DAYS;
	rec.pathlen = -1;
	if ((cx = make_cert(&rec, e)) == NULL)
		goto fail;
	if (ca_put(st, "root", rx, rk, kek, e) < 0 ||
	    ca_put(st, "issuing", ix, ik, kek, e) < 0 ||
	    ca_put(st, "receipt", cx, ck, kek, e) < 0)
		goto fail;
	{
		char rd[65], cd[65], at[32];

		sm2_cert_digest(rx, rd);
		sm2_cert_digest(cx, cd);
		sm2_cert_digest(ix, digest);
		time_fmt(time_now(), at, sizeof(at));
		if (log_entry(st, "ca.init", e, "root_sm3", rd, "issuing_sm3",
			      digest, "receipt_sm3", cd, "org", org, "at", at,
			      NULL) < 0)
			goto fail;
	}
	if (audit_commit(st, actor, "ecert.ca_init", "ecert:ca", NULL, digest,
			 e) < 0)
		goto out;
	rc = 0;
	goto out;
fail:
	store_rollback(st);
out:
	X509_NAME_free(root.subject);
	X509_NAME_free(iss.subject);
	X509_NAME_free(rec.subject);
	X509_free(rx);
	X509_free(ix);
	X509_free(cx);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(ck);
	return rc;
}

struct ca_load {
	struct ecert_ca *ca;
	const struct secret_key *kek;
	struct err *e;
};

static int
ca_row(void *arg, struct store_row *r)
{
	struct ca_load *l = arg;
	const char *role = store_row_text(r, 0), *pem = store_row_text(r, 1);
	X509 *x = pem != NULL ? sm2_cert_read(pem, strlen(pem)) : NULL;
	X509 **slot;
	EVP_PKEY **kslot;
	char ctx[64];

	if (role != NULL && !strcmp(role, "root")) {
		slot = &l->ca->root;
		kslot = &l->ca->root_key;
	} else if (role != NULL && !strcmp(role, "issuing")) {
		slot = &l->ca->issuing;
		kslot = &l->ca->issuing_key;
	} else {
		slot = &l->ca->receipt;
		kslot = &l->ca->receipt_key;
	}
	if (x == NULL) {
		err_set(l->e,
			"the CA's %s certificate in the store is "
			"malformed",
			role != NULL ? role : "?");
		return -1;
	}
	X509_free(*slot);
	*slot = x;
	if (l->kek == NULL)
		return 0;
	str_fmt(ctx, sizeof(ctx), "ecert_ca.key:%s", role);
	if ((*kslot = sm2_key_open(store_row_text(r, 2), l->kek, ctx, l->e)) ==
	    NULL)
		return -1;
	return 0;
}

int
ecert_ca_load(struct store *st, const struct secret_key *kek,
	      struct ecert_ca *ca, struct err *e)
{
	struct ca_load l = {ca, kek, e};

	memset(ca, 0, sizeof(*ca));
	if (store_query(st,
			"SELECT role, cert_pem, key_sealed FROM ecert_ca "
			"WHERE role IN ('root', 'issuing', 'receipt')",
			NULL, 0, ca_row, &l, e) < 0) {
		ecert_ca_free(ca);
		return -1;
	}
	if (ca->root == NULL || ca->issuing == NULL || ca->receipt == NULL) {
		err_set(e, "no CA has been made yet (govsec ca init)");
		ecert_ca_free(ca);
		return -1;
	}
	return 0;
}

void
ecert_ca_free(struct ecert_ca *ca)
{
	X509_free(ca->root);
	X509_free(ca->issuing);
	X509_free(ca->receipt);
	EVP_PKEY_free(ca->root_key);
	EVP_PKEY_free(ca->issuing_key);
	EVP_PKEY_free(ca->receipt_key);
	memset(ca, 0, sizeof(*ca));
}

void
ecert_rec_cleanup(struct ecert_rec *r)
{
	free(r->pem);
	r->pem = NULL;
}

const char *
ecert_rec_state(const struct ecert_rec *r, time_t now)
{
	time_t t;

	if (r->revoked[0] != '\0')
		return "revoked";
	if (time_parse(r->not_after, &t) == 0 && t < now)
		return "expired";
	return "valid";
}

json_t *
ecert_rec_json(const struct ecert_rec *r, time_t now)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, "
	    "s:s, s:s}",
	    "serial", r->serial, "unit", r->unit, "name", r->name, "not_before",
	    r->not_before, "not_after", r->not_after, "issued", r->issued,
	    "revoked", r->revoked[0] != '\0' ? r->revoked : NULL, "reason",
	    r->reason[0] != '\0' ? r->reason : NULL, "key_source",
	    r->key_source, "sm3", r->digest, "state", ecert_rec_state(r, now));
}

struct unit_row {
	char name[512], kind[64], level[64];
	int found;
};

static int
unit_row(void *arg, struct store_row *r)
{
	struct unit_row *u = arg;

	u->found = 1;
	str_copy(u->name, store_row_text(r, 0), sizeof(u->name));
	str_copy(u->kind, store_row_text(r, 1), sizeof(u->kind));
	str_copy(u->level, store_row_text(r, 2), sizeof(u->level));
	return 1;
}

/* The request's SM2 key, its signature checked with the ID; NULL with e. */
static EVP_PKEY *
csr_key(const char *pem, size_t n, struct err *e)
{
	BIO *b;
	X509_REQ *r = NULL;
	EVP_PKEY *k = NULL;

	if (n == 0 || n > 64 * 1024) {
		err_set(e, "the certificate request is empty or larger than "
			   "64 KiB");
		return NULL;
	}
	if ((b = BIO_new_mem_buf(pem, (int)n)) != NULL)
		r = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	ERR_clear_error();
	if (r == NULL) {
		err_set(e, "the certificate request is not a PEM "
			   "CERTIFICATE REQUEST");
		return NULL;
	}
	if (!sm2_is(X509_REQ_get0_pubkey(r))) {
		err_set(e, "the certificate request's key is not an SM2 key");
		goto done;
	}
	if (sm2_req_id(r) < 0 ||
	    X509_REQ_verify(r, X509_REQ_get0_pubkey(r)) != 1) {
		ERR_clear_error();
		err_set(e,
			"the certificate request's signature does not "
			"verify with the distinguishing ID %s (signed "
			"with an empty ID?)",
			ECERT_DISTID);
		goto done;
	}
	k = X509_REQ_get_pubkey(r);
done:
	X509_REQ_free(r);
	return k;
}

static void
asn1_time_str(const ASN1_TIME *t, char *out, size_t n)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1) {
		str_copy(out, "?", n);
		return;
	}
	time_fmt(timegm(&tm), out, n);
}

int
ecert_issue(struct store *st, const struct ecert_ca *ca,
	    const struct ecert_issue *in, const char *actor,
	    struct ecert_rec *out, char pass[33], struct err *e)
{
	struct unit_row u = {0};
	struct store_val v[11];
	struct certspec s = {0};
	char orgid[64], obj[64];
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int days = in->days > 0 ? in->days : DAYS_DEFAULT, rc = -1;

	memset(out, 0, sizeof(*out));
	pass[0] = '\0';
	if (ca->issuing_key == NULL) {
		err_set(e, "the CA's keys are not loaded");
		return -1;
	}
	if (days > ECERT_DAYS_MAX) {
		err_set(e, "a unit certificate lives at most %d days",
			ECERT_DAYS_MAX);
		return -1;
	}
	v[0] = SV_TEXT(in->unit);
	if (store_query(st,
			"SELECT name, kind, level FROM units WHERE uscc = ?", v,
			1, unit_row, &u, e) < 0)
		return -1;
	if (!u.found) {
		err_set(e, "unit '%s' is not in the registry", in->unit);
		return -1;
	}
	/* the registration authority code 1: organs, institutions and mass
	 * organisations registered by the establishment departments */
	if (in->unit[0] != '1') {
		err_set(e,
			"unit '%s': its credit code is not registered by an "
			"establishment department (it does not begin with 1); "
			"e-certificates are for organs and institutions",
			in->unit);
		return -1;
	}
	if (in->csr_pem != NULL) {
		if ((key = csr_key(in->csr_pem, in->csr_len, e)) == NULL)
			return -1;
	} else if (in->key_out == NULL) {
		err_set(e, "give --csr FILE (the unit's own request) or "
			   "--key-out FILE (govsec makes the key)");
		return -1;
	} else if ((key = sm2_keygen()) == NULL) {
		err_set(e, "cannot generate an SM2 key");
		return -1;
	}
	s.subject = X509_NAME_new();
	str_fmt(orgid, sizeof(orgid), "NTRCN-%s", in->unit);
	if (name_add(s.subject, NID_countryName, "CN") < 0 ||
	    name_add(s.subject, NID_organizationIdentifier, orgid) < 0 ||
	    name_add(s.subject, NID_organizationName, u.name) < 0 ||
	    name_add(s.subject, NID_commonName, u.name) < 0) {
		ERR_clear_error();
		err_set(e,
			"unit '%s': its name does not fit a certificate "
			"subject (64 characters at most)",
			in->unit);
		goto done;
	}
	s.pub = key;
	s.issuer = ca->issuing;
	s.sign = ca->issuing_key;
	s.days = days;
	s.pathlen = -1;
	s.kind = u.kind;
	s.level = u.level;
	if ((x = make_cert(&s, e)) == NULL)
		goto done;
	str_copy(out->serial, s.serial, sizeof(out->serial));
	str_copy(out->unit, in->unit, sizeof(out->unit));
	str_copy(out->name, u.name, sizeof(out->name));
	asn1_time_str(X509_get0_notBefore(x), out->not_before,
		      sizeof(out->not_before));
	asn1_time_str(X509_get0_notAfter(x), out->not_after,
		      sizeof(out->not_after));
	time_fmt(time_now(), out->issued, sizeof(out->issued));
	str_copy(out->key_source, in->csr_pem != NULL ? "csr" : "generated",
		 sizeof(out->key_source));
	sm2_cert_digest(x, out->digest);
	if ((out->pem = sm2_cert_pem(x)) == NULL) {
		err_set(e, "cannot encode the certificate");
		goto done;
	}
	if (store_begin(st, e) < 0)
		goto done;
	v[0] = SV_TEXT(out->serial);
	v[1] = SV_TEXT(out->unit);
	v[2] = SV_TEXT(out->name);
	v[3] = SV_TEXT(out->pem);
	v[4] = SV_TEXT(out->not_before);
	v[5] = SV_TEXT(out->not_after);
	v[6] = SV_TEXT(out->key_source);
	v[7] = SV_TEXT(out->digest);
	v[8] = SV_TEXT(out->issued);
	v[9] = SV_TEXT(actor);
	str_fmt(obj, sizeof(obj), "unit:%s", in->unit);
	if (store_exec(st,
		       "INSERT INTO ecert_certs (serial, unit, name, cert_pem, "
		       "not_before, not_after, key_source, digest, issued, "
		       "issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		       v, 10, e) < 0) {
		store_rollback(st);
		goto done;
	}
	if (log_entry(st, "cert.issue", e, "serial", out->serial, "uscc",
		      out->unit, "name", out->name, "sm3", out->digest,
		      "not_before", out->not_before, "not_after",
		      out->not_after, "at", out->issued, NULL) < 0) {
		store_rollback(st);
		goto done;
	}
	/* the key leaves govsec before the issuance is recorded: a failed
	 * hand-over leaves no certificate without its key */
	if (in->csr_pem == NULL &&
	    sm2_key_handover(key, in->key_out, pass, e) < 0) {
		store_rollback(st);
		goto done;
	}
	if (audit_commit(st, actor, "ecert.issue", obj, NULL, out->digest, e) <
	    0) {
		if (in->csr_pem == NULL)
			unlink(in->key_out);
		goto done;
	}
	rc = 0;
done:
	if (rc < 0) {
		ecert_rec_cleanup(out);
		OPENSSL_cleanse(pass, 33);
		pass[0] = '\0';
	}
	X509_NAME_free(s.subject);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static const struct {
	const char *name;
	int code;
} reasons[] = {
    {"unspecified", CRL_REASON_UNSPECIFIED},
    {"keyCompromise", CRL_REASON_KEY_COMPROMISE},
    {"affiliationChanged", CRL_REASON_AFFILIATION_CHANGED},
    {"superseded", CRL_REASON_SUPERSEDED},
    {"cessationOfOperation", CRL_REASON_CESSATION_OF_OPERATION},
};

static int
reason_code(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(reasons); i++)
		if (!strcmp(reasons[i].name, name))
			return reasons[i].code;
	return -1;
}

int
ecert_revoke(struct store *st, const struct ecert_ca *ca, const char *serial,
	     const char *reason, const char *actor, struct err *e)
{
	struct ecert_rec r;
	struct store_val v[3];
	char at[32], obj[64];
	int found;

	if (reason == NULL)
		reason = "unspecified";
	if (reason_code(reason) < 0) {
		err_set(e,
			"unknown revocation reason '%s' (unspecified, "
			"keyCompromise, affiliationChanged, superseded, "
			"cessationOfOperation)",
			reason);
		return -1;
	}
	if ((found = ecert_get(st, serial, &r, e)) < 0)
		return -1;
	if (found == 1) {
		err_set(e, "no certificate with serial '%s'", serial);
		return -1;
	}
	ecert_rec_cleanup(&r);
	if (r.revoked[0] != '\0') {
		err_set(e, "certificate %s was revoked already on %s", r.serial,
			r.revoked);
		return -1;
	}
	if (store_begin(st, e) < 0)
		return -1;
	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_TEXT(at);
	v[1] = SV_TEXT(reason);
	v[2] = SV_TEXT(r.serial);
	str_fmt(obj, sizeof(obj), "unit:%s", r.unit);
	if (store_exec(st,
		       "UPDATE ecert_certs SET revoked = ?, reason = ? "
		       "WHERE serial = ?",
		       v, 3, e) < 0 ||
	    log_entry(st, "cert.revoke", e, "serial", r.serial, "uscc", r.unit,
		      "sm3", r.digest, "reason", reason, "at", at, NULL) < 0 ||
	    audit_append(st, actor, "ecert.revoke", obj, r.digest, NULL, e) <
		0) {
		store_rollback(st);
		return -1;
	}
	if (store_commit(st, e) < 0)
		return -1;
	return ecert_crl_sign(st, ca, actor, e);
}

struct crl_build {
	X509_CRL *crl;
	int bad;
};

static int
crl_row(void *arg, struct store_row *r)
{
	struct crl_build *c = arg;
	X509_REVOKED *rv = X509_REVOKED_new();
	BIGNUM *bn = NULL;
	ASN1_INTEGER *sn = NULL;
	ASN1_TIME *t = NULL;
	ASN1_ENUMERATED *why = NULL;
	time_t when;
	int code = reason_code(store_row_text(r, 2));

	if (rv == NULL || BN_hex2bn(&bn, store_row_text(r, 0)) == 0 ||
	    (sn = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    time_parse(store_row_text(r, 1), &when) < 0 ||
	    (t = ASN1_TIME_set(NULL, when)) == NULL ||
	    X509_REVOKED_set_serialNumber(rv, sn) != 1 ||
	    X509_REVOKED_set_revocationDate(rv, t) != 1 ||
	    (why = ASN1_ENUMERATED_new()) == NULL ||
	    ASN1_ENUMERATED_set(why, code < 0 ? 0 : code) != 1 ||
	    X509_REVOKED_add1_ext_i2d(rv, NID_crl_reason, why, 0, 0) != 1 ||
	    X509_CRL_add0_revoked(c->crl, rv) != 1) {
		c->bad = 1;
		X509_REVOKED_free(rv);
	}
	ASN1_ENUMERATED_free(why);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(sn);
	BN_free(bn);
	return c->bad ? -1 : 0;
}

int
ecert_crl_sign(struct store *st, const struct ecert_ca *ca, const char *actor,
	       struct err *e)
{
	struct crl_build c = {X509_CRL_new(), 0};
	time_t now = time_now();
	ASN1_TIME *t1 = ASN1_TIME_set(NULL, now),
		  *t2 = ASN1_TIME_adj(NULL, now, CRL_DAYS, 0);
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	EVP_MD_CTX *m = NULL;
	BIO *b = BIO_new(BIO_s_mem());
	char *mem = NULL, *pem = NULL, at[32], next[32], digest[65], obj[64];
	long long n;
	long len;
	struct store_val v[4];
	int rc = -1;

	if (ca->issuing_key == NULL) {
		err_set(e, "the CA's keys are not loaded");
		goto done;
	}
	if (store_begin(st, e) < 0)
		goto done;
	n = store_query_int(st, "SELECT MAX(number) FROM ecert_crls", NULL, 0,
			    0) +
	    1;
	if (c.crl == NULL || t1 == NULL || t2 == NULL || num == NULL ||
	    b == NULL || X509_CRL_set_version(c.crl, 1) != 1 ||
	    X509_CRL_set_issuer_name(c.crl,
				     X509_get_subject_name(ca->issuing)) != 1 ||
	    X509_CRL_set1_lastUpdate(c.crl, t1) != 1 ||
	    X509_CRL_set1_nextUpdate(c.crl, t2) != 1 ||
	    ASN1_INTEGER_set_int64(num, n) != 1 ||
	    X509_CRL_add1_ext_i2d(c.crl, NID_crl_number, num, 0, 0) != 1)
		goto fail_ssl;
	if (store_query(st,
			"SELECT serial, revoked, reason FROM ecert_certs "
			"WHERE revoked IS NOT NULL ORDER BY revoked, serial",
			NULL, 0, crl_row, &c, e) < 0) {
		if (c.bad)
			goto fail_ssl;
		goto fail;
	}
	if (X509_CRL_sort(c.crl) != 1 ||
	    (m = sm2_sign_ctx(ca->issuing_key)) == NULL ||
	    X509_CRL_sign_ctx(c.crl, m) <= 0 ||
	    PEM_write_bio_X509_CRL(b, c.crl) != 1 ||
	    (len = BIO_get_mem_data(b, &mem)) <= 0)
		goto fail_ssl;
	pem = xmalloc((size_t)len + 1);
	memcpy(pem, mem, (size_t)len);
	pem[len] = '\0';
	time_fmt(now, at, sizeof(at));
	time_fmt(now + (time_t)CRL_DAYS * 86400, next, sizeof(next));
	v[0] = SV_INT(n);
	v[1] = SV_TEXT(at);
	v[2] = SV_TEXT(next);
	v[3] = SV_TEXT(pem);
	audit_digest(pem, strlen(pem), digest);
	str_fmt(obj, sizeof(obj), "ecert:crl:%lld", n);
	if (store_exec(st,
		       "INSERT INTO ecert_crls (number, this_update, "
		       "next_update, crl_pem) VALUES (?, ?, ?, ?)",
		       v, 4, e) < 0)
		goto fail;
	rc = audit_commit(st, actor, "ecert.crl", obj, NULL, digest, e);
	goto done;
fail_ssl:
	err_set(e, "cannot sign the CRL (OpenSSL: %s)", ssl_reason());
fail:
	store_rollback(st);
done:
	free(pem);
	EVP_MD_CTX_free(m);
	BIO_free(b);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	X509_CRL_free(c.crl);
	return rc;
}
