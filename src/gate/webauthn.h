/*
 * webauthn.h: server-side WebAuthn (Level 2) for the gate's login portal:
 * verifying the registration of a security key (attestation "none" and
 * "packed") and logins with it (assertions), plus the small strict CBOR
 * decoder they need, and the ceremonies' plumbing the gate's portal and
 * the console share (ceremony.c). Everything the browser sends
 * (clientDataJSON, attestation objects, authenticator data, signatures) is
 * untrusted; the expected challenge, origin and RP ID, and a stored
 * wa_credential, are trusted (they come from the portal's configuration
 * and store).
 */
#ifndef GOVSEC_WEBAUTHN_H
#define GOVSEC_WEBAUTHN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/base.h"

struct store_row;

/* cbor.c */
/*
 * A strict decoder for the CBOR (RFC 8949) that WebAuthn uses: unsigned
 * and negative integers, byte and text strings, arrays, maps, the simple
 * values false/true/null/undefined and floats (skipped over, never
 * interpreted). Only definite lengths; tags, reserved and indefinite
 * encodings are refused; text must be UTF-8; nesting is limited to
 * CBOR_MAX_DEPTH. Every length is checked against the bytes that remain,
 * and nothing is allocated: items point into the caller's buffer.
 */
#define CBOR_MAX_DEPTH 16

enum cbor_type {
	CBOR_UINT,
	CBOR_NINT, /* value is -1 - arg */
	CBOR_BYTES,
	CBOR_TEXT,
	CBOR_ARRAY,
	CBOR_MAP,
	CBOR_SIMPLE, /* arg: 20 false, 21 true, 22 null, 23 undefined */
	CBOR_FLOAT,  /* str/len: the 2, 4 or 8 bytes, big-endian */
};

struct cbor_item {
	enum cbor_type type;
	uint64_t arg; /* integer argument; strings: bytes; arrays/maps: count */
	const unsigned char *str; /* strings: the bytes; arrays/maps: the
				     encoded elements (key, value, ...) */
	size_t len;		  /* bytes at str */
	size_t size;		  /* bytes of the whole item, head included */
};

struct cbor_iter {
	const unsigned char *p;
	size_t n;
	uint64_t left; /* elements still to come (a map has 2 per entry) */
};

/*
 * Decodes the one item that starts at p (n bytes available), checking
 * everything nested in it; bytes after it are left alone (it->size says
 * where it ends). 0, or -1 if the item is malformed or runs past n.
 */
int cbor_decode(const unsigned char *p, size_t n, struct cbor_item *it);
/* Starts walking the elements of an array or map (a map yields key,
 * value, key, value ...). 0, or -1 if c is neither. */
int cbor_iter_init(struct cbor_iter *i, const struct cbor_item *c);
/* The next element into it: 1, or 0 at the end, or -1 if malformed. */
int cbor_iter_next(struct cbor_iter *i, struct cbor_item *it);
/*
 * The value of the entry of map whose key is the text key (or the
 * integer key) into val: 1 if found, 0 if absent, -1 if map is not a map
 * or holds the key more than once (an ambiguous map is an error).
 */
int cbor_map_str(const struct cbor_item *map, const char *key,
		 struct cbor_item *val);
int cbor_map_int(const struct cbor_item *map, int64_t key,
		 struct cbor_item *val);
/* The value of an integer item that fits int64_t; 0, or -1 if it is not
 * an integer or out of range. */
int cbor_int(const struct cbor_item *it, int64_t *v);

/* webauthn.c */
#define WA_MAX_CRED_ID	   1023
#define WA_MAX_PUBKEY	   600 /* DER SubjectPublicKeyInfo (RSA-4096 fits) */
#define WA_MIN_CHALLENGE   16
#define WA_MAX_CHALLENGE   64
#define WA_MAX_CLIENT_DATA 4096	       /* bytes of clientDataJSON */
#define WA_MAX_ATT_OBJ	   (64 * 1024) /* bytes of an attestationObject */
#define WA_MAX_AUTH_DATA   (16 * 1024) /* bytes of an assertion's authData */
#define WA_MAX_SIG	   1024	       /* bytes of an assertion signature */

/* COSE algorithms supported (RFC 9053, RFC 8812). */
#define WA_ALG_ES256 (-7)
#define WA_ALG_EDDSA (-8)
#define WA_ALG_RS256 (-257)

/* A registered credential: what the portal stores per security key. */
struct wa_credential {
	unsigned char id[WA_MAX_CRED_ID];
	size_t id_len;
	int alg; /* COSE alg: -7 ES256, -8 EdDSA (Ed25519), -257 RS256 */
	unsigned char pubkey[WA_MAX_PUBKEY];
	size_t pubkey_len; /* DER SPKI */
	uint32_t sign_count;
	unsigned char aaguid[16];
	bool user_verified;   /* UV flag at registration */
	bool backup_eligible; /* BE flag (a syncable passkey) */
	bool backed_up;	      /* BS flag */
	char fmt[16];	      /* attestation format seen: "none", "packed" */
};

/* Fills out with n random bytes (n in WA_MIN_CHALLENGE..WA_MAX_CHALLENGE)
 * from the system CSPRNG; 0, or -1 on a bad n or a CSPRNG failure. */
int wa_challenge(unsigned char *out, size_t n);
/*
 * Verifies a registration (the response of navigator.credentials.create)
 * against the challenge the portal issued (ch_len in WA_MIN_CHALLENGE..
 * WA_MAX_CHALLENGE), the portal's origin ("https://host[:port]", compared
 * exactly) and RP ID. Checks, in order:
 *  - clientDataJSON (at most WA_MAX_CLIENT_DATA bytes of JSON): type
 *    "webauthn.create", challenge equal to base64url(challenge), origin,
 *    crossOrigin not true, no token binding in use;
 *  - attestationObject (at most WA_MAX_ATT_OBJ bytes): one CBOR map with
 *    fmt, attStmt and authData and nothing after it;
 *  - authData: rpIdHash == SHA-256(rp_id), UP set, UV set if require_uv,
 *    AT set with attested credential data (credential id of 1..1023
 *    bytes, a COSE key) and, with ED, one extensions map, nothing more;
 *  - the COSE key: EC2 P-256 with ES256, OKP Ed25519 with EdDSA or RSA
 *    (2048..4096 bits, e >= 65537) with RS256, a valid public key (an EC
 *    point on the curve), kept as DER SPKI;
 *  - the attestation statement: "none" (an empty attStmt) or "packed",
 *    either self attestation (alg equals the credential's, signature by
 *    the credential key) or with x5c (signature by the leaf certificate,
 *    whose version, subject OU, CA flag and AAGUID extension are
 *    checked but NOT its chain to any root: see webauthn.c). Other
 *    formats (fido-u2f, tpm, android-key, apple, ...) are refused.
 * On success returns 0 and fills out (sign_count: the authenticator's);
 * on failure returns -1 with e set to a lower-case line naming what
 * failed (e.g. "clientDataJSON: challenge does not match") and out is
 * left as it was. The caller must still check that the credential id is
 * not registered already, and store the credential.
 */
int wa_register_verify(const unsigned char *client_data_json, size_t cdj_len,
		       const unsigned char *att_obj, size_t att_len,
		       const unsigned char *challenge, size_t ch_len,
		       const char *origin, const char *rp_id, bool require_uv,
		       struct wa_credential *out, struct err *e);

/*
 * Verifies an assertion (the response of navigator.credentials.get) made
 * with cred, the stored credential whose id the browser named (finding it
 * and checking it belongs to the user is the caller's part):
 * clientDataJSON as above with type "webauthn.get"; authData (at most
 * WA_MAX_AUTH_DATA bytes) with rpIdHash, UP, UV if require_uv, no
 * attested credential data, extensions well-formed; the signature (at
 * most WA_MAX_SIG bytes; ES256 in DER as WebAuthn sends it) over authData
 * || SHA-256(clientDataJSON) with cred's key; and the signature counter:
 * when either the stored or the new count is non-zero, the new one must
 * be greater ("sign count did not increase (cloned authenticator?)").
 * 0 with *new_count set to the authenticator's count (store it), or -1
 * with e set.
 */
int wa_assert_verify(const unsigned char *client_data_json, size_t cdj_len,
		     const unsigned char *auth_data, size_t ad_len,
		     const unsigned char *sig, size_t sig_len,
		     const unsigned char *challenge, size_t ch_len,
		     const char *origin, const char *rp_id, bool require_uv,
		     const struct wa_credential *cred, uint32_t *new_count,
		     struct err *e);

/* ceremony.c */
#define CEREMONY_CHALLENGE  32	   /* random bytes of a challenge */
#define CEREMONY_TIMEOUT_MS 120000 /* what the browser is told it may take */

/* A fresh challenge of CEREMONY_CHALLENGE random bytes in base64url into
 * b64; 0, or -1 on a CSPRNG failure. */
int ceremony_challenge(char b64[64]);
/* The RP ID of a ceremony for the Host header host (trusted only to be a
 * string): host without its port into rpid. 0, or -1 if host is NULL,
 * an IP literal in brackets, or its name is empty or 256 bytes or more. */
int ceremony_rpid(const char *host, char rpid[256]);
/* Member name of the browser's JSON object o decoded from base64url into
 * out (at most max bytes): the length, or -1 if absent, not a string,
 * malformed or too long. */
int ceremony_b64(const json_t *o, const char *name, unsigned char *out,
		 size_t max);
/*
 * The publicKey options of navigator.credentials.create() for user (name
 * and display name) with the user handle user_id (base64url), the RP
 * rpid named rp_name, ES256, EdDSA and RS256 keys, no attestation, and
 * exclude (taken, also on failure): the user's keys as [{"type":
 * "public-key", "id": ...}]. A new object, or NULL.
 */
json_t *ceremony_create_options(const char *challenge, const char *rpid,
				const char *rp_name, const char *user_id,
				const char *user, json_t *exclude);
/* The publicKey options of navigator.credentials.get() for the keys in
 * allow (taken, also on failure; as exclude above). A new object, or
 * NULL. */
json_t *ceremony_get_options(const char *challenge, const char *rpid,
			     json_t *allow);
/* A store_query() callback for rows whose column 0 is a key's id: appends
 * {"type": "public-key", "id": ID} to the JSON array arg. */
int ceremony_id_row(void *arg, struct store_row *row);
/* A stored key read back: found is 1 once c holds its alg, public key and
 * sign count. */
struct ceremony_key {
	int found;
	struct wa_credential c;
};
/* A store_query() callback for one row (alg, pubkey in base64url,
 * sign_count) into the struct ceremony_key arg (zeroed by the caller); a
 * key that does not decode is left as not found. Stops after the row. */
int ceremony_key_row(void *arg, struct store_row *row);
/*
 * Decodes the browser's answer to navigator.credentials.create(), the
 * base64url members clientDataJSON and attestationObject of in, and
 * verifies it (wa_register_verify, no user verification asked) against
 * challenge (base64url, as issued), origin and rp_id. 0 with c filled;
 * -1 if a member or the challenge does not decode; -2 with e set if the
 * registration is refused.
 */
int ceremony_register(const json_t *in, const char *challenge,
		      const char *origin, const char *rp_id,
		      struct wa_credential *c, struct err *e);
/*
 * The same for navigator.credentials.get(): the members clientDataJSON,
 * authenticatorData and signature of in, verified (wa_assert_verify) with
 * the stored key c. 0 with *count set to the authenticator's count (to be
 * stored), or -1 with e set ("malformed assertion" when something does
 * not decode).
 */
int ceremony_assert(const json_t *in, const char *challenge, const char *origin,
		    const char *rp_id, const struct wa_credential *c,
		    uint32_t *count, struct err *e);
/* The id and public key of a verified registration c in base64url, as the
 * store keeps them, into *id and *pubkey (free() both). */
void ceremony_encode(const struct wa_credential *c, char **id, char **pubkey);

#endif
