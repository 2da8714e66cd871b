/*
 * ceremony.c: what the gate's portal and the console share of a WebAuthn
 * ceremony around webauthn.c's checks: the challenge, the RP ID, the
 * options handed to navigator.credentials.create() and .get(), base64url
 * members of the browser's JSON, and stored keys read back from a row.
 * Members of the browser's JSON are untrusted (bounded before decoding);
 * rows of the store and the caller's arguments are trusted.
 */
#include <stdlib.h>
#include <string.h>

#include "gate/webauthn.h"
#include "store/store.h"

int
ceremony_challenge(char b64[64])
{
	unsigned char raw[CEREMONY_CHALLENGE];

	if (wa_challenge(raw, sizeof(raw)) < 0 ||
	    b64url_encode(raw, sizeof(raw), b64, 64) < 0)
		return -1;
	return 0;
}

int
ceremony_rpid(const char *host, char rpid[256])
{
	size_t n;

	if (host == NULL || host[0] == '[')
		return -1;
	n = strcspn(host, ":");
	if (n == 0 || n >= 256)
		return -1;
	memcpy(rpid, host, n);
	rpid[n] = '\0';
	return 0;
}

int
ceremony_b64(const json_t *o, const char *name, unsigned char *out, size_t max)
{
	const char *s = json_string_value(json_object_get(o, name));

	if (s == NULL || strlen(s) > (max * 4) / 3 + 4)
		return -1;
	return b64url_decode(s, strlen(s), out, max);
}

json_t *
ceremony_create_options(const char *challenge, const char *rpid,
			const char *rp_name, const char *user_id,
			const char *user, json_t *exclude)
{
	return json_pack(
	    "{s:s,s:{s:s,s:s},s:{s:s,s:s,s:s},s:[{s:s,s:i},{s:s,s:i},{s:s,"
	    "s:i}],s:i,s:s,s:{s:s,s:s},s:o}",
	    "challenge", challenge, "rp", "id", rpid, "name", rp_name, "user",
	    "id", user_id, "name", user, "displayName", user,
	    "pubKeyCredParams", "type", "public-key", "alg", WA_ALG_ES256,
	    "type", "public-key", "alg", WA_ALG_EDDSA, "type", "public-key",
	    "alg", WA_ALG_RS256, "timeout", CEREMONY_TIMEOUT_MS, "attestation",
	    "none", "authenticatorSelection", "userVerification", "preferred",
	    "residentKey", "discouraged", "excludeCredentials", exclude);
}

json_t *
ceremony_get_options(const char *challenge, const char *rpid, json_t *allow)
{
	return json_pack("{s:s,s:s,s:i,s:s,s:o}", "challenge", challenge,
			 "rpId", rpid, "timeout", CEREMONY_TIMEOUT_MS,
			 "userVerification", "preferred", "allowCredentials",
			 allow);
}

int
ceremony_id_row(void *arg, struct store_row *row)
{
	json_array_append_new(arg, json_pack("{s:s,s:s}", "type", "public-key",
					     "id", store_row_text(row, 0)));
	return 0;
}

int
ceremony_key_row(void *arg, struct store_row *row)
{
	struct ceremony_key *k = arg;
	const char *pk = store_row_text(row, 1);
	int n;

	n = pk != NULL ? b64url_decode(pk, strlen(pk), k->c.pubkey,
					  sizeof(k->c.pubkey))
		       : -1;
	if (n <= 0)
		return 1; /* unusable: as if absent */
	k->c.pubkey_len = (size_t)n;
	k->c.alg = (int)store_row_int(row, 0);
	k->c.sign_count = (uint32_t)store_row_int(row, 2);
	k->found = 1;
	return 1;
}

int
ceremony_register(const json_t *in, const char *challenge, const char *origin,
		  const char *rp_id, struct wa_credential *c, struct err *e)
{
	unsigned char raw[WA_MAX_CHALLENGE], *cdj, *att;
	int ncdj, natt, nch, rc = -1;

	cdj = xmalloc(WA_MAX_CLIENT_DATA);
	att = xmalloc(WA_MAX_ATT_OBJ);
	ncdj = ceremony_b64(in, "clientDataJSON", cdj, WA_MAX_CLIENT_DATA);
	natt = ceremony_b64(in, "attestationObject", att, WA_MAX_ATT_OBJ);
	nch = b64url_decode(challenge, strlen(challenge), raw, sizeof(raw));
	if (ncdj > 0 && natt > 0 && nch > 0)
		rc = wa_register_verify(cdj, (size_t)ncdj, att, (size_t)natt,
					raw, (size_t)nch, origin, rp_id, false,
					c, e) < 0
			 ? -2
			 : 0;
	free(cdj);
	free(att);
	return rc;
}

int
ceremony_assert(const json_t *in, const char *challenge, const char *origin,
		const char *rp_id, const struct wa_credential *c,
		uint32_t *count, struct err *e)
{
	unsigned char raw[WA_MAX_CHALLENGE], *cdj, *ad, *sig;
	int ncdj, nad, nsig, nch, rc;

	cdj = xmalloc(WA_MAX_CLIENT_DATA);
	ad = xmalloc(WA_MAX_AUTH_DATA);
	sig = xmalloc(WA_MAX_SIG);
	ncdj = ceremony_b64(in, "clientDataJSON", cdj, WA_MAX_CLIENT_DATA);
	nad = ceremony_b64(in, "authenticatorData", ad, WA_MAX_AUTH_DATA);
	nsig = ceremony_b64(in, "signature", sig, WA_MAX_SIG);
	nch = b64url_decode(challenge, strlen(challenge), raw, sizeof(raw));
	if (ncdj <= 0 || nad <= 0 || nsig <= 0 || nch <= 0) {
		err_set(e, "malformed assertion");
		rc = -1;
	} else
		rc = wa_assert_verify(cdj, (size_t)ncdj, ad, (size_t)nad, sig,
				      (size_t)nsig, raw, (size_t)nch, origin,
				      rp_id, false, c, count, e);
	free(cdj);
	free(ad);
	free(sig);
	return rc < 0 ? -1 : 0;
}

void
ceremony_encode(const struct wa_credential *c, char **id, char **pubkey)
{
	*id = xmalloc(2 * WA_MAX_CRED_ID);
	*pubkey = xmalloc(2 * WA_MAX_PUBKEY);
	b64url_encode(c->id, c->id_len, *id, 2 * WA_MAX_CRED_ID);
	b64url_encode(c->pubkey, c->pubkey_len, *pubkey, 2 * WA_MAX_PUBKEY);
}
