/*
 * fuzz_uscc.c: libFuzzer harness for uscc_check() and friends. Input is any
 * bytes; it checks that a code passing uscc_check() is 18 characters with
 * a matching check character, and that every refusal says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry.h"

#include "fuzz.h"

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* A message is one line of valid UTF-8 without a trailing period. */
static void
check_message(const char *msg)
{
	size_t n = strlen(msg);

	CHECK(n > 0);
	CHECK(str_utf8_valid(msg, n));
	CHECK(strchr(msg, '\n') == NULL);
	CHECK(msg[n - 1] != '.');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err why, warn;
	char *code, c;
	int rc;

	if (size > 4096)
		return 0;
	code = xmalloc(size + 1);
	memcpy(code, data, size);
	code[size] = '\0';

	c = uscc_check_char(code);
	CHECK(c == 0 || (strchr(alphabet, c) != NULL));
	why.msg[0] = '\0';
	rc = uscc_check(code, &why, &warn);
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		CHECK(strlen(code) == USCC_LEN);
		CHECK(c != 0 && c == code[USCC_LEN - 1]);
		for (size_t i = 0; i < USCC_LEN; i++)
			CHECK(strchr(alphabet, code[i]) != NULL);
		for (size_t i = 2; i < 8; i++)
			CHECK(code[i] >= '0' && code[i] <= '9');
		switch (uscc_class(code)) {
		case USCC_ORGAN:
			CHECK(code[0] == '1' && code[1] == '1');
			break;
		case USCC_INSTITUTION:
			CHECK(code[0] == '1' && code[1] == '2');
			break;
		case USCC_OTHER:
			CHECK(code[0] != '1' ||
			      (code[1] != '1' && code[1] != '2'));
			break;
		}
		if (warn.msg[0] != '\0')
			check_message(warn.msg);
		/* Any one other check character is refused. */
		code[USCC_LEN - 1] = c == '0' ? '1' : '0';
		CHECK(uscc_check(code, NULL, NULL) == -1);
	} else {
		check_message(why.msg);
	}
	free(code);
	return 0;
}
