/*
 * fuzz_gate_policy.c: libFuzzer harness for gate_policy_parse(). Input is
 * any bytes (a policy document). A refusal must say why in one line; an
 * accepted policy must decide a few requests without crashing, and its
 * exported JSON must parse again into a policy with as many rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ips[] = {"10.1.2.3", "2001:db8::1", "8.8.8.8",
					  NULL};
	struct gate_policy *p, *q;
	struct gate_decision d;
	struct gate_input in;
	struct err e;
	json_t *j;
	char *s;

	e.msg[0] = '\0';
	p = gate_policy_parse((const char *)data, size, &e);
	if (p == NULL) {
		CHECK(e.msg[0] != '\0' && strchr(e.msg, '\n') == NULL);
		return 0;
	}
	memset(&in, 0, sizeof(in));
	in.host = "a.example.cn";
	in.path = "/admin/x";
	in.method = "GET";
	in.now = 1795000000;
	for (size_t i = 0; i < ARRAY_SIZE(ips); i++) {
		in.ip = ips[i];
		in.user = i % 2 ? "li" : NULL;
		in.groups = "ops,staff";
		in.device = i == 2 ? "dev1" : NULL;
		gate_policy_decide(p, NULL, &in, &d);
		CHECK(d.rule >= -1 && d.rule < gate_policy_rules(p));
		CHECK(d.rule_name != NULL && d.reason[0] != '\0');
		CHECK(d.rule >= 0 || d.action == GATE_DENY);
	}
	j = gate_policy_json(p);
	s = json_dumps(j, JSON_COMPACT);
	CHECK(s != NULL);
	q = gate_policy_parse(s, strlen(s), &e);
	CHECK(q != NULL && gate_policy_rules(q) == gate_policy_rules(p));
	gate_policy_free(q);
	free(s);
	json_decref(j);
	gate_policy_free(p);
	return 0;
}
