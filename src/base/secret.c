/*
 * secret.c: the key file that keeps secrets out of the store's reach, keys
 * derived from it per purpose (HMAC-SM3), and sealing of small secrets at
 * rest (SM4-CBC, then HMAC-SM3 over context, IV and ciphertext). Reads a
 * file the operator names, which must be private (no bits for group or
 * others, not a link, a regular file); everything else it is given is
 * trusted to be the program's own data, except the sealed text handed to
 * secret_open(), which is checked before it is decrypted.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include "base/base.h"

#define KEYFILE_MIN 32	 /* bytes of key material at least */
#define KEYFILE_MAX 4096 /* bytes a key file may have */
#define SEAL_PREFIX "sm4$"
#define SEAL_IV	    16
#define SEAL_BLOCK  16

int
file_check_private(const char *what, const char *path, int fd, struct err *e)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		err_set(e, "%s '%s': %s", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "%s '%s' is not a regular file", what, path);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		err_set(e,
			"%s '%s' has mode %04o: group and others must have "
			"no access (chmod 600 '%s')",
			what, path, (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	/* root reads the daemon user's files (a CLI run as root) */
	if (st.st_uid != geteuid() && st.st_uid != 0 && geteuid() != 0) {
		err_set(e, "%s '%s' belongs to another user (uid %ld)", what,
			path, (long)st.st_uid);
		return -1;
	}
	return 0;
}

void
file_own_like_dir(int fd, const char *path)
{
	char dir[4096];
	struct stat st, ds;
	const char *slash = strrchr(path, '/');

	if (geteuid() != 0 || fstat(fd, &st) < 0 || st.st_uid != 0)
		return;
	if (slash == NULL)
		str_copy(dir, ".", sizeof(dir));
	else if (slash == path)
		str_copy(dir, "/", sizeof(dir));
	else if ((size_t)(slash - path) >= sizeof(dir))
		return;
	else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	if (stat(dir, &ds) == 0 && ds.st_uid != 0 &&
	    fchown(fd, ds.st_uid, ds.st_gid) < 0)
		log_warn("cannot give '%s' to its directory's owner: %s", path,
			 strerror(errno));
}

int
hmac_sm3(const void *key, size_t keylen, const void *data, size_t n,
	 unsigned char out[SM3_LEN])
{
	unsigned int len = 0;

	if (HMAC(EVP_sm3(), key, (int)keylen, data, n, out, &len) == NULL ||
	    len != SM3_LEN)
		return -1;
	return 0;
}

int
secret_key_load(struct secret_key *k, const char *path, struct err *e)
{
	unsigned char raw[KEYFILE_MAX + 1];
	size_t len = 0;
	ssize_t n;
	int fd;

	memset(k, 0, sizeof(*k));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err_set(e, "key file '%s': %s", path,
			errno == ELOOP ? "is a symbolic link"
				       : strerror(errno));
		return -1;
	}
	if (file_check_private("key file", path, fd, e) < 0)
		goto fail;
	while (len < sizeof(raw) &&
	       (n = read(fd, raw + len, sizeof(raw) - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set(e, "key file '%s': %s", path, strerror(errno));
			goto fail;
		}
		len += (size_t)n;
	}
	while (len > 0 && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
		len--;
	if (len > KEYFILE_MAX) {
		err_set(e, "key file '%s' is longer than %d bytes", path,
			KEYFILE_MAX);
		goto fail;
	}
	if (len < KEYFILE_MIN) {
		err_set(e, "key file '%s' needs at least %d bytes of key", path,
			KEYFILE_MIN);
		goto fail;
	}
	/* Any key material of enough length; what is used is its digest. */
	if (hmac_sm3("govsec key file", 15, raw, len, k->k) < 0) {
		err_set(e, "key file '%s': cannot digest the key", path);
		goto fail;
	}
	k->set = 1;
	OPENSSL_cleanse(raw, sizeof(raw));
	close(fd);
	return 0;
fail:
	OPENSSL_cleanse(raw, sizeof(raw));
	close(fd);
	return -1;
}

int
secret_key_create(const char *path, struct err *e)
{
	unsigned char key[32];
	char hex[2 * sizeof(key) + 2];
	size_t off = 0;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		err_set(e, "key file '%s': %s", path, strerror(errno));
		return -1;
	}
	file_own_like_dir(fd, path);
	if (rand_bytes(key, sizeof(key)) < 0) {
		err_set(e, "key file '%s': no random bytes", path);
		goto fail;
	}
	hex_encode(key, sizeof(key), hex);
	hex[2 * sizeof(key)] = '\n';
	while (off < 2 * sizeof(key) + 1) {
		ssize_t n = write(fd, hex + off, 2 * sizeof(key) + 1 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_set(e, "key file '%s': %s", path, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		err_set(e, "key file '%s': %s", path, strerror(errno));
		goto fail;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(hex, sizeof(hex));
	return 0;
fail:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(hex, sizeof(hex));
	if (fd >= 0)
		close(fd);
	unlink(path);
	return -1;
}

void
secret_key_wipe(struct secret_key *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int
secret_derive(const struct secret_key *k, const char *purpose,
	      unsigned char out[SM3_LEN])
{
	if (!k->set)
		return -1;
	return hmac_sm3(k->k, sizeof(k->k), purpose, strlen(purpose), out);
}

/* The tag over context, NUL, IV and ciphertext. */
static int
seal_tag(const unsigned char mkey[SM3_LEN], const char *context,
	 const unsigned char *ivct, size_t n, unsigned char tag[SM3_LEN])
{
	OSSL_PARAM params[2];
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *h = NULL;
	size_t len = 0;
	int rc = -1;

	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SM3", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (mac == NULL || (h = EVP_MAC_CTX_new(mac)) == NULL)
		goto done;
	if (EVP_MAC_init(h, mkey, SM3_LEN, params) == 1 &&
	    EVP_MAC_update(h, (const unsigned char *)context,
			   strlen(context) + 1) == 1 &&
	    EVP_MAC_update(h, ivct, n) == 1 &&
	    EVP_MAC_final(h, tag, &len, SM3_LEN) == 1 && len == SM3_LEN)
		rc = 0;
done:
	EVP_MAC_CTX_free(h);
	EVP_MAC_free(mac);
	return rc;
}

/* The encryption (SM4, first 16 bytes) and MAC keys of a master key. */
static int
seal_keys(const struct secret_key *k, unsigned char ekey[SM3_LEN],
	  unsigned char mkey[SM3_LEN])
{
	if (secret_derive(k, "govsec seal sm4", ekey) < 0 ||
	    secret_derive(k, "govsec seal hmac-sm3", mkey) < 0)
		return -1;
	return 0;
}

char *
secret_seal(const struct secret_key *k, const char *context, const void *pt,
	    size_t n)
{
	unsigned char ekey[SM3_LEN], mkey[SM3_LEN], tag[SM3_LEN];
	unsigned char *ivct = NULL;
	EVP_CIPHER_CTX *c = NULL;
	struct buf out;
	int l1 = 0, l2 = 0;
	char *s = NULL;

	buf_init(&out, SECRET_SEAL_MAX);
	if (n > SECRET_PLAIN_MAX || seal_keys(k, ekey, mkey) < 0)
		goto done;
	ivct = xmalloc(SEAL_IV + n + SEAL_BLOCK + SM3_LEN);
	if (rand_bytes(ivct, SEAL_IV) < 0 ||
	    (c = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(c, EVP_sm4_cbc(), NULL, ekey, ivct) != 1 ||
	    EVP_EncryptUpdate(c, ivct + SEAL_IV, &l1, pt, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(c, ivct + SEAL_IV + l1, &l2) != 1)
		goto done;
	if (seal_tag(mkey, context, ivct, SEAL_IV + (size_t)l1 + (size_t)l2,
		     tag) < 0)
		goto done;
	memcpy(ivct + SEAL_IV + l1 + l2, tag, SM3_LEN);
	if (buf_addstr(&out, SEAL_PREFIX) < 0)
		goto done;
	{
		size_t raw = SEAL_IV + (size_t)l1 + (size_t)l2 + SM3_LEN;
		char *enc = xmalloc(raw / 3 * 4 + 5);

		if (b64url_encode(ivct, raw, enc, raw / 3 * 4 + 5) >= 0 &&
		    buf_addstr(&out, enc) == 0)
			s = buf_detach(&out, NULL);
		free(enc);
	}
done:
	EVP_CIPHER_CTX_free(c);
	if (ivct != NULL) {
		OPENSSL_cleanse(ivct, SEAL_IV + n + SEAL_BLOCK + SM3_LEN);
		free(ivct);
	}
	OPENSSL_cleanse(ekey, sizeof(ekey));
	OPENSSL_cleanse(mkey, sizeof(mkey));
	buf_cleanup(&out);
	return s;
}

int
secret_is_sealed(const char *s)
{
	return s != NULL && str_starts(s, SEAL_PREFIX);
}

int
secret_open(const struct secret_key *k, const char *context, const char *sealed,
	    struct buf *out, struct err *e)
{
	unsigned char ekey[SM3_LEN], mkey[SM3_LEN], tag[SM3_LEN];
	unsigned char raw[SECRET_SEAL_MAX];
	unsigned char *pt = NULL;
	EVP_CIPHER_CTX *c = NULL;
	size_t slen, ctlen;
	long n;
	int l1 = 0, l2 = 0, rc = -1;

	if (!secret_is_sealed(sealed)) {
		err_set(e, "'%s': not a sealed secret", context);
		return -1;
	}
	slen = strlen(sealed + strlen(SEAL_PREFIX));
	n = b64url_decode(sealed + strlen(SEAL_PREFIX), slen, raw, sizeof(raw));
	if (n < SEAL_IV + SEAL_BLOCK + SM3_LEN ||
	    ((size_t)n - SEAL_IV - SM3_LEN) % SEAL_BLOCK != 0) {
		err_set(e, "'%s': the sealed secret is malformed", context);
		return -1;
	}
	if (seal_keys(k, ekey, mkey) < 0) {
		err_set(e, "'%s': no key to open the secret with", context);
		goto done;
	}
	ctlen = (size_t)n - SEAL_IV - SM3_LEN;
	if (seal_tag(mkey, context, raw, SEAL_IV + ctlen, tag) < 0 ||
	    !ct_equal(tag, raw + SEAL_IV + ctlen, SM3_LEN)) {
		err_set(e,
			"'%s': the sealed secret does not match the key "
			"(another key file, or the value was changed)",
			context);
		goto done;
	}
	pt = xmalloc(ctlen + SEAL_BLOCK);
	if ((c = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(c, EVP_sm4_cbc(), NULL, ekey, raw) != 1 ||
	    EVP_DecryptUpdate(c, pt, &l1, raw + SEAL_IV, (int)ctlen) != 1 ||
	    EVP_DecryptFinal_ex(c, pt + l1, &l2) != 1) {
		err_set(e, "'%s': cannot decrypt the sealed secret", context);
		goto done;
	}
	buf_reset(out);
	if (buf_add(out, pt, (size_t)l1 + (size_t)l2) < 0) {
		err_set(e, "'%s': the secret is too large", context);
		goto done;
	}
	rc = 0;
done:
	EVP_CIPHER_CTX_free(c);
	if (pt != NULL) {
		OPENSSL_cleanse(pt, ctlen + SEAL_BLOCK);
		free(pt);
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(ekey, sizeof(ekey));
	OPENSSL_cleanse(mkey, sizeof(mkey));
	return rc;
}

int
secret_key_for_store(struct secret_key *k, const struct config *c,
		     const char *store_path, int create, struct err *e)
{
	char path[4096];

	if (c->store_key[0] != '\0') {
		if (str_copy(path, c->store_key, sizeof(path)) < 0)
			goto toolong;
	} else if (str_starts(store_path, "postgresql:") ||
		   str_starts(store_path, "postgres:")) {
		err_set(e, "a '%s' store needs [store] key (a key file)",
			"postgresql:");
		return -1;
	} else if (str_fmt(path, sizeof(path), "%s.key", store_path) < 0) {
		goto toolong;
	}
	if (create && access(path, F_OK) < 0 && errno == ENOENT &&
	    secret_key_create(path, e) < 0)
		return -1;
	return secret_key_load(k, path, e);
toolong:
	err_set(e, "the key file's path is too long");
	return -1;
}
