/*
 * ecert.h: the e-certificate authority (CERT-1, GMCRYPTO-1; seed Q4): a
 * root and an issuing key, SM2 with SM3, and the GM/T 0009 distinguishing
 * ID 1234567812345678 on every signature made and checked (OpenSSL 3.0
 * otherwise signs and verifies SM2 with an empty ID, which no GM client
 * accepts). Private keys are kept sealed (SM4-CBC + HMAC-SM3, secret_seal)
 * under a key-encryption key read from a private file ([ecert] kek).
 *
 * Unit certificates carry organizationIdentifier "NTRCN-<USCC>", O and CN
 * the unit's name, C = CN, and the unit's kind and level in the extension
 * ECERT_UNIT_OID (docs/ecert.md). The store keeps every certificate issued,
 * its revocation, and the CRLs signed (tables ecert_*; migration 17).
 */
#ifndef GOVSEC_ECERT_H
#define GOVSEC_ECERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "base/base.h"
#include "store/store.h"

#define ECERT_DISTID	 "1234567812345678"
#define ECERT_DISTID_LEN 16
/* The unit extension: under the UUID arc 2.25 (ITU-T X.667), which needs
 * no registration; SEQUENCE { kind UTF8String, level UTF8String }. */
#define ECERT_UNIT_OID "2.25.216632178232461526095634106916312350529"
#define ECERT_DAYS_MAX 3650 /* a unit certificate lives 10 years at most */

/* sm2.c */
/* A new SM2 key pair, or NULL. */
EVP_PKEY *sm2_keygen(void);
/* 1 if pkey is an SM2 key. */
int sm2_is(const EVP_PKEY *pkey);
/*
 * An EVP_MD_CTX ready to sign with pkey: SM3 and, for SM2 keys, the
 * distinguishing ID. NULL on failure (free with EVP_MD_CTX_free).
 */
EVP_MD_CTX *sm2_sign_ctx(EVP_PKEY *pkey);
/* Signs / verifies n bytes (SM2 with SM3 and the ID); sig is DER. */
int sm2_sign(EVP_PKEY *pkey, const void *data, size_t n, unsigned char **sig,
	     size_t *siglen);
int sm2_verify(EVP_PKEY *pkey, const void *data, size_t n,
	       const unsigned char *sig, size_t siglen);
/* Sets the distinguishing ID on a certificate / request before checking
 * its signature (X509_verify, X509_REQ_verify use it). 0 or -1. */
int sm2_cert_id(X509 *x);
int sm2_req_id(X509_REQ *r);
/* 1 if x's signature verifies under issuer's key with the ID. */
int sm2_cert_signed_by(X509 *x, X509 *issuer);
/* PEM of a certificate / public key; a heap string or NULL. */
char *sm2_cert_pem(X509 *x);
X509 *sm2_cert_read(const char *pem, size_t n);
/*
 * Seals pkey's PKCS#8 DER under the key-encryption key for context (the
 * row it belongs to); a heap string or NULL with e.
 */
char *sm2_key_seal(EVP_PKEY *pkey, const struct secret_key *kek,
		   const char *context, struct err *e);
EVP_PKEY *sm2_key_open(const char *sealed, const struct secret_key *kek,
		       const char *context, struct err *e);
/*
 * Writes pkey as an encrypted PKCS#8 PEM (PBES2, SM4-CBC, PBKDF2 with
 * HMAC-SM3) to the new file path (mode 0600, must not exist), under a
 * random passphrase written into pass (>= 33 bytes). 0 or -1 with e.
 */
int sm2_key_handover(EVP_PKEY *pkey, const char *path, char pass[33],
		     struct err *e);
/* Hex of the SM3 digest of x's DER into out (65 bytes). */
void sm2_cert_digest(X509 *x, char out[65]);

/* ca.c */
struct ecert_ca {
	X509 *root, *issuing,
	    *receipt; /* receipt: signs receipts (service.c) */
	EVP_PKEY *root_key, *issuing_key, *receipt_key; /* with the KEK only */
};
/*
 * The key-encryption key: [ecert] kek, else "<store_path>.ecert.key"; with
 * create, a missing file is made (0600). -1 with e if missing or unsafe.
 */
int ecert_kek(struct secret_key *k, const struct config *c,
	      const char *store_path, int create, struct err *e);
/*
 * Makes the root (20 years), issuing (10 years) and receipt-signing
 * (10 years) certificates and keys with subject names under org (the
 * establishment department's name). Refused when a CA exists. Audited as
 * ecert.ca_init. 0 or -1 with e.
 */
int ecert_ca_init(struct store *st, const struct secret_key *kek,
		  const char *org, const char *actor, struct err *e);
/* Loads the CA; with kek, its private keys too. 0, or -1 with e (also
 * when no CA was made yet). */
int ecert_ca_load(struct store *st, const struct secret_key *kek,
		  struct ecert_ca *ca, struct err *e);
void ecert_ca_free(struct ecert_ca *ca);

/* A unit certificate as the store keeps it. */
struct ecert_rec {
	char serial[41];
	char unit[32];
	char name[512];
	char not_before[32], not_after[32], issued[32];
	char revoked[32]; /* "" if not revoked */
	char reason[64];
	char key_source[16]; /* "generated" or "csr" */
	char digest[65];     /* SM3 of the DER */
	char *pem;	     /* the certificate (heap) */
};
void ecert_rec_cleanup(struct ecert_rec *r);
/* "revoked", "expired" (not_after before now) or "valid". */
const char *ecert_rec_state(const struct ecert_rec *r, time_t now);
/* r as JSON (serial, unit, name, dates, revoked and reason or null,
 * key_source, sm3, state at now), without the PEM; NULL if no memory. */
struct json_t *ecert_rec_json(const struct ecert_rec *r, time_t now);

struct ecert_issue {
	const char *unit;    /* USCC, a unit of the registry */
	const char *csr_pem; /* the unit's own request, or NULL */
	size_t csr_len;
	const char *key_out; /* where a generated key is handed over */
	int days;	     /* validity (default 730) */
};
/*
 * Issues a certificate to a unit of the registry (its name, kind and level
 * from the registry; a request's subject is ignored, its SM2 key and
 * signature with the ID are checked). A generated key goes to key_out
 * encrypted under a passphrase written to pass; govsec keeps no copy.
 * Audited as ecert.issue. 0 with out filled, or -1 with e.
 */
int ecert_issue(struct store *st, const struct ecert_ca *ca,
		const struct ecert_issue *in, const char *actor,
		struct ecert_rec *out, char pass[33], struct err *e);
/* Revokes by serial with a reason (RFC 5280 names: keyCompromise,
 * affiliationChanged, superseded, cessationOfOperation, unspecified) and
 * signs a new CRL. Audited as ecert.revoke. */
int ecert_revoke(struct store *st, const struct ecert_ca *ca,
		 const char *serial, const char *reason, const char *actor,
		 struct err *e);
/* Signs a new CRL (7 days) of every revoked certificate; stored. */
int ecert_crl_sign(struct store *st, const struct ecert_ca *ca,
		   const char *actor, struct err *e);
/* The newest CRL as PEM (heap) or NULL (none signed yet). */
char *ecert_crl_latest(struct store *st);
/* Calls fn for each certificate, of unit when not NULL, newest first. */
int ecert_each(struct store *st, const char *unit,
	       int (*fn)(void *arg, const struct ecert_rec *r), void *arg,
	       struct err *e);
/* Finds a certificate by serial (hex, any case); 0, 1 if none, -1. */
int ecert_get(struct store *st, const char *serial, struct ecert_rec *out,
	      struct err *e);

/* verify.c */
enum ecert_status {
	ECERT_VALID,
	ECERT_REVOKED,
	ECERT_EXPIRED,
	ECERT_NOT_YET_VALID,
	ECERT_BAD_SIGNATURE, /* incl. signed with another (empty) ID */
	ECERT_UNKNOWN_ISSUER,
	ECERT_NOT_OURS, /* well signed but not in the store's register */
	ECERT_MALFORMED,
};
const char *ecert_status_str(enum ecert_status s);
struct ecert_verdict {
	enum ecert_status status;
	char serial[41];
	char unit[32]; /* from organizationIdentifier */
	char name[512];
	char detail[256]; /* why, in a sentence */
};
/*
 * Verifies a certificate (PEM or DER) against the CA at time now: each
 * signature of the chain unit <- issuing <- root with the ID, validity,
 * the CA flags, and the store's register and revocations.
 */
void ecert_verify(struct store *st, const struct ecert_ca *ca, const void *data,
		  size_t n, time_t now, struct ecert_verdict *v);

/* service.c: the verification service for platform operators */
/* An operator's API key is "gsk_<id>_<secret>": id 12 hex digits, secret
 * 43 characters of base64url (32 random bytes); the store keeps the id and
 * the SM3 digest of the secret only. */
#define ECERT_KEY_MAX	  64
#define ECERT_RATE_DEF	  60 /* verifications a minute per key */
#define ECERT_CHALLENGE_S 300
struct ecert_caller {
	char key_id[16];
	char operator[128];
	int rate; /* per minute */
};
/* Registers an operator (an app store, a public-account platform). */
int ecert_operator_add(struct store *st, const char *name, int rate,
		       const char *actor, struct err *e);
/* A new key of operator into key (shown once; ECERT_KEY_MAX bytes). */
int ecert_operator_key(struct store *st, const char *name, const char *actor,
		       char key[ECERT_KEY_MAX], struct err *e);
/* Revokes a key by id; disables an operator (all its keys). */
int ecert_key_revoke(struct store *st, const char *id, const char *actor,
		     struct err *e);
int ecert_operator_disable(struct store *st, const char *name,
			   const char *actor, struct err *e);
/* Lists operators and their keys (id, created, revoked) as JSON. */
struct json_t;
struct json_t *ecert_operators_json(struct store *st, struct err *e);
/*
 * Authenticates an "Authorization: Bearer gsk_..." value: 1 with out
 * filled, 0 if it names no live key of an enabled operator (the digest
 * compared in constant time), -1 on a store error.
 */
int ecert_key_auth(struct store *st, const char *authorization,
		   struct ecert_caller *out, struct err *e);
/* A single-use challenge (43 characters) for unit, bound to the caller's
 * key, valid ECERT_CHALLENGE_S seconds; expires in RFC 3339. */
int ecert_challenge_new(struct store *st, const struct ecert_caller *who,
			const char *unit, char out[48], char expires[32],
			struct err *e);
/*
 * Verifies that the unit signed challenge (its bytes as given) with the
 * key of one of its certificates that verify now; the challenge is used
 * up whatever the outcome. v is the certificate's verdict (ECERT_VALID
 * when a valid certificate's key made the signature); -1 with e (and an
 * HTTP-like status in *status: 404 unknown challenge, 422 bad signature).
 */
int ecert_challenge_verify(struct store *st, const struct ecert_ca *ca,
			   const struct ecert_caller *who, const char *unit,
			   const char *challenge, const unsigned char *sig,
			   size_t siglen, struct ecert_verdict *v, int *status,
			   struct err *e);
/*
 * The signed receipt of a verdict: JSON {"receipt": base64url of the
 * receipt's JSON bytes, "signature": base64url of the SM2 signature (with
 * the ID) of those bytes, "alg", "distid", "signer": the receipt
 * certificate's PEM}; the receipt holds the unit's USCC, name, kind,
 * level, approved online names, logo ids, the certificate's status,
 * serial and validity, the operator, the method and the time. A new
 * JSON text (free()) or NULL with e.
 */
char *ecert_receipt(struct store *st, const struct ecert_ca *ca,
		    const struct ecert_verdict *v, const char *method,
		    const struct ecert_caller *who, struct err *e);

/* names.c: online names (NAME-1, NAME-2) */
/* What a name application met: NAME-1's verdict and, when refused, the
 * approved name it is confused with (id 0: none) or why else. */
struct ecert_name_conflict {
	long long id;
	char name[256], unit[32];
	char why[256];
	char name1[16], name1_why[512];
};
/*
 * The key under which names a reader would confuse are equal: NFKC with
 * case folding, traditional to simplified (OpenCC), look-alike Han
 * characters, the UTS 39 skeleton (ICU), without spaces and punctuation.
 */
int ecert_name_key(const char *name, char *key, size_t n, struct err *e);
/* 1 if name mixes scripts that can be confused (UTS 39). */
int ecert_name_mixed(const char *name);
/*
 * Applies for name for unit (and its application app, or NULL): 0 with
 * *id of the pending application; 1 refused (c says why: NAME-1 fails,
 * mixed scripts, or confusable with an approved name of another unit);
 * -1 with e. Audited.
 */
int ecert_name_apply(struct store *st, const char *unit, const char *app,
		     const char *name, const char *actor, long long *id,
		     struct ecert_name_conflict *c, struct err *e);
/* Approves (checked again against names approved meanwhile) or rejects
 * with a reason; logged in the transparency log and audited. */
int ecert_name_decide(struct store *st, long long id, int approve,
		      const char *reason, const char *actor, struct err *e);
/* The applications of other units, approved or pending, that a reader
 * would confuse with application id (the same key), approved first, at
 * most 20: a JSON array of {id, name, unit, state, why}; NULL with e. */
struct json_t *ecert_name_rivals(struct store *st, long long id, struct err *e);
/* Applications as JSON, of unit and in state when not NULL. */
struct json_t *ecert_names_json(struct store *st, const char *unit,
				const char *state, struct err *e);

/* logo.c: online logos (LOGO-1) */
struct ecert_logo {
	char id[17]; /* 16 hex digits */
	char unit[32], app[128], category[16];
	char unit_name[512], app_name[512];
	char issued[32], revoked[32]; /* revoked: "" if valid */
	char *domains;		      /* JSON array of the app's domains */
	int found;
};
/* Issues a logo to an open application whose name is an approved online
 * name; its id into id. Logged and audited. 0 or -1 with e. */
int ecert_logo_issue(struct store *st, const char *app, const char *actor,
		     char id[17], struct err *e);
int ecert_logo_revoke(struct store *st, const char *id, const char *reason,
		      const char *actor, struct err *e);
/* 0 found, 1 none (or not a logo id), -1 error. */
int ecert_logo_get(struct store *st, const char *id, struct ecert_logo *out,
		   struct err *e);
void ecert_logo_cleanup(struct ecert_logo *l);
struct json_t *ecert_logos_json(struct store *st, const char *unit,
				int valid_only, struct err *e);
/* The badge (SVG, 360 x 120) with the QR code of base/v1/logo/ID. */
int ecert_logo_svg(const struct ecert_logo *l, const char *base, struct buf *b);

/* tlog.c: the transparency log (RFC 6962 Merkle tree; SM3, or SHA-256
 * for RFC 6962's vectors) */
enum tlog_alg { TLOG_SM3, TLOG_SHA256 };
#define TLOG_HASH     32
#define TLOG_PATH_MAX 64 /* a proof over fewer than 2^63 leaves */
/* Where the hashes of complete aligned subtrees come from: node(level k,
 * index i) is MTH of leaves [i * 2^k, (i + 1) * 2^k); 0 or -1. */
struct tlog_src {
	int (*node)(void *arg, int level, uint64_t idx,
		    unsigned char out[TLOG_HASH]);
	void *arg;
	enum tlog_alg alg;
};
void tlog_leaf_hash(enum tlog_alg alg, const void *data, size_t n,
		    unsigned char out[TLOG_HASH]);
void tlog_node_hash(enum tlog_alg alg, const unsigned char l[TLOG_HASH],
		    const unsigned char r[TLOG_HASH],
		    unsigned char out[TLOG_HASH]);
/* MTH of the first n leaves (RFC 6962 2.1); 0 or -1 if a node is missing. */
int tlog_root(const struct tlog_src *s, uint64_t n,
	      unsigned char out[TLOG_HASH]);
/* The audit path of leaf m in the tree of n leaves (RFC 6962 2.1.1) and
 * the consistency proof between sizes m and n (2.1.2) into path (room for
 * TLOG_PATH_MAX hashes), *len of them; 0 or -1. */
int tlog_inclusion(const struct tlog_src *s, uint64_t m, uint64_t n,
		   unsigned char (*path)[TLOG_HASH], size_t *len);
int tlog_consistency(const struct tlog_src *s, uint64_t m, uint64_t n,
		     unsigned char (*path)[TLOG_HASH], size_t *len);
/* The checks a client makes (RFC 9162 2.1.3.2, 2.1.4.2): 1 if it holds. */
int tlog_verify_inclusion(enum tlog_alg alg, uint64_t m, uint64_t n,
			  const unsigned char leaf[TLOG_HASH],
			  const unsigned char (*path)[TLOG_HASH], size_t len,
			  const unsigned char root[TLOG_HASH]);
int tlog_verify_consistency(enum tlog_alg alg, uint64_t m, uint64_t n,
			    const unsigned char first[TLOG_HASH],
			    const unsigned char second[TLOG_HASH],
			    const unsigned char (*path)[TLOG_HASH], size_t len);
/* The store's log (SM3): its nodes as a tlog_src, its size, appending an
 * entry (a JSON text, the leaf's data) inside the caller's transaction
 * (its index, or -1 with e), and the signed tree head (JSON text: "head",
 * the compact JSON {hash, size, root, at}, and "signature", base64url of
 * its SM2 signature by the receipt key, when ca holds it). */
void tlog_store_src(struct store *st, struct tlog_src *s);
long long tlog_size(struct store *st);
long long tlog_append(struct store *st, const char *kind, const char *entry,
		      struct err *e);
char *tlog_head(struct store *st, const struct ecert_ca *ca, struct err *e);
/* Proofs and entries as JSON (hashes in hex); NULL with e naming what is
 * out of range. tlog_entries_json: at most TLOG_ENTRIES_MAX from start. */
#define TLOG_ENTRIES_MAX 100
struct json_t *tlog_proof_json(struct store *st, long long m, long long n,
			       struct err *e);
struct json_t *tlog_consistency_json(struct store *st, long long m, long long n,
				     struct err *e);
struct json_t *tlog_entries_json(struct store *st, long long start,
				 long long count, struct err *e);
/* Recomputes every leaf and subtree hash from the entries: 0 if the log
 * agrees with them, 1 (e says where) if not, -1 on a store error. */
int tlog_audit(struct store *st, struct err *e);
/*
 * monitor.c: checks the log served at base (its public listener, e.g.
 * "http://127.0.0.1:8441") against the root certificate pinned in the
 * file root_pem, with what was seen before in the file state (made on the
 * first run): the head's signature, no shrinking, the consistency proof,
 * and the new entries (printed to out, one per line) giving the head's
 * root. 0 if the log holds, 1 (e says what) if it does not, -1 if it
 * could not be checked.
 */
int tlog_monitor(const char *base, const char *root_pem, const char *state,
		 FILE *out, struct err *e);

#endif
