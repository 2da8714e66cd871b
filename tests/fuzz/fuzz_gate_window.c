/*
 * fuzz_gate_window.c: libFuzzer harness for gate_window_parse(). Input is
 * any bytes (a time window of a policy). A refusal must say why; an
 * accepted window must have days, ordered dates, minutes within a day and
 * a zone that can be read, so that containment is always 0 or 1.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gate_window w;
	struct err e;
	char *s = malloc(size + 1);

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	e.msg[0] = '\0';
	if (gate_window_parse(&w, s, &e) < 0) {
		CHECK(e.msg[0] != '\0');
		free(s);
		return 0;
	}
	CHECK(w.days != 0 && (w.days & 0x80) == 0);
	CHECK(w.date_from <= w.date_to);
	CHECK(w.ntimes >= 0 && w.ntimes <= GATE_TIMES_MAX);
	for (int i = 0; i < w.ntimes; i++) {
		CHECK(w.from[i] >= 0 && w.from[i] < 24 * 60);
		CHECK(w.to[i] >= 0 && w.to[i] <= 24 * 60);
		CHECK(w.from[i] != w.to[i]);
	}
	for (time_t t = 0; t < 4 * 86400 * 7; t += 86400 + 3600 * 5 + 17) {
		int r = gate_window_contains(&w, 1790000000 + t);

		CHECK(r == 0 || r == 1);
	}
	free(s);
	return 0;
}
