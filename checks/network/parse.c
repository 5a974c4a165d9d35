/* SPDX-License-Identifier: Apache-2.0 */
#include "parse.h"
#include "core/util.h"

#include <ctype.h>
#include <json-c/json.h>
#include <limits.h>

const char *iptables_backend_to_string(enum iptables_backend b)
{
	switch (b) {
	case IPTABLES_BACKEND_LEGACY:
		return "legacy";
	case IPTABLES_BACKEND_NFT:
		return "nf_tables";
	default:
		return "unknown";
	}
}

int iptables_version_parse(const char *line, char **ret_version, enum iptables_backend *ret_backend)
{
	const char *p = line + strspn(line, " \t");
	/* ip6tables prints the same line with its own name. */
	if (startswith(p, "iptables v"))
		p += strlen("iptables v");
	else if (startswith(p, "ip6tables v"))
		p += strlen("ip6tables v");
	else
		return -EBADMSG;

	size_t n = strspn(p, "0123456789.");
	if (n == 0 || !isdigit((unsigned char)p[0]) || p[n - 1] == '.')
		return -EBADMSG;
	const char *rest = p + n;
	rest += strspn(rest, " \t");

	enum iptables_backend b;
	if (startswith(rest, "(nf_tables)"))
		b = IPTABLES_BACKEND_NFT, rest += strlen("(nf_tables)");
	else if (startswith(rest, "(legacy)"))
		b = IPTABLES_BACKEND_LEGACY, rest += strlen("(legacy)");
	else if (*rest == '\0' || *rest == '\n' || *rest == '\r') /* before 1.8: legacy was all there was */
		b = IPTABLES_BACKEND_LEGACY;
	else
		return -EBADMSG;
	if (rest[strspn(rest, " \t\r\n")] != '\0')
		return -EBADMSG;

	if (ret_version)
		*ret_version = xstrndup(p, n);
	if (ret_backend)
		*ret_backend = b;
	return 0;
}

static int parse_uint(const char *s, unsigned max, unsigned *ret)
{
	if (!isdigit((unsigned char)s[0]))
		return -EBADMSG;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || v > max)
		return -EBADMSG;
	*ret = (unsigned)v;
	return (int)(end - s);
}

int iptables_run_parse(const char *value, struct iptables_run *ret)
{
	struct iptables_run run = {0};
	unsigned v;
	int n;

	if (streq(value, "timeout")) {
		run.outcome = IPTABLES_TIMEOUT;
	} else if (streq(value, "missing")) {
		run.outcome = IPTABLES_MISSING;
	} else if (streq(value, "not-root")) {
		run.outcome = IPTABLES_NOT_ROOT;
	} else if (startswith(value, "ok rules=")) {
		n = parse_uint(value + 9, UINT_MAX, &v);
		if (n < 0 || value[9 + n] != '\0')
			return -EBADMSG;
		run.outcome = IPTABLES_OK;
		run.rules = v;
	} else if (startswith(value, "signal=")) {
		n = parse_uint(value + 7, 128, &v);
		if (n < 0 || value[7 + n] != '\0' || v == 0)
			return -EBADMSG;
		run.outcome = IPTABLES_SIGNAL;
		run.code = (int)v;
	} else if (startswith(value, "exit=")) {
		n = parse_uint(value + 5, 255, &v);
		if (n < 0 || v == 0 || (value[5 + n] != '\0' && value[5 + n] != ' '))
			return -EBADMSG;
		run.outcome = IPTABLES_FAILED;
		run.code = (int)v;
		const char *msg = value + 5 + n;
		run.message = xstrdup(msg + strspn(msg, " "));
	} else {
		return -EBADMSG;
	}
	if (!run.message)
		run.message = xstrdup("");
	*ret = run;
	return 0;
}

char *iptables_run_format(const struct iptables_run *run)
{
	switch (run->outcome) {
	case IPTABLES_OK:
		return xasprintf("ok rules=%u", run->rules);
	case IPTABLES_FAILED:
		return run->message && run->message[0] ? xasprintf("exit=%d %s", run->code, run->message)
						       : xasprintf("exit=%d", run->code);
	case IPTABLES_SIGNAL:
		return xasprintf("signal=%d", run->code);
	case IPTABLES_TIMEOUT:
		return xstrdup("timeout");
	case IPTABLES_MISSING:
		return xstrdup("missing");
	default:
		return xstrdup("not-root");
	}
}

void iptables_run_clear(struct iptables_run *run)
{
	free(run->message);
	*run = (struct iptables_run){0};
}

enum iptables_error iptables_error_classify(const char *message)
{
	/* Permission first: legacy says "can't initialize iptables table `nat': Permission denied (you must be root)".
	 */
	if (strstr(message, "Permission denied") || strstr(message, "you must be root") ||
	    strstr(message, "Operation not permitted"))
		return IPTABLES_ERR_PERMISSION;
	if (strstr(message, "holding the xtables lock"))
		return IPTABLES_ERR_LOCKED;
	if (strstr(message, "Address family not supported"))
		return IPTABLES_ERR_NO_FAMILY;
	/* Legacy without the table module; nft on a kernel without nf_tables. */
	if (strstr(message, "Table does not exist") || strstr(message, "do you need to insmod") ||
	    strstr(message, "Protocol not supported") ||
	    strstr(message, "Could not fetch rule set generation id: Invalid argument"))
		return IPTABLES_ERR_NO_TABLE;
	if (strstr(message, "Operation not supported"))
		return IPTABLES_ERR_NOT_SUPPORTED;
	if (strstr(message, "No chain/target/match by that name"))
		return IPTABLES_ERR_NO_KERNEL_MATCH;
	/*
	 * Without its libraries nft takes a target for a chain to jump to
	 * ("Chain 'RETURN' does not exist"); legacy cannot even load the standard
	 * target; an option of a match it could not load is unknown.
	 */
	const char *chain = strstr(message, "Chain '");
	if ((chain && strstr(chain, "' does not exist")) || strstr(message, "Couldn't load target") ||
	    strstr(message, "Couldn't load match") || strstr(message, "Couldn't find target") ||
	    strstr(message, "Couldn't find match") || strstr(message, "unknown option"))
		return IPTABLES_ERR_NO_EXTENSION;
	return IPTABLES_ERR_OTHER;
}

/* "ms=N" at *p, then a space or the end; advances *p past it. */
static int parse_ms(const char **p, unsigned *ret)
{
	if (!startswith(*p, "ms="))
		return -EBADMSG;
	int n = parse_uint(*p + 3, UINT_MAX, ret);
	if (n < 0 || ((*p)[3 + n] != '\0' && (*p)[3 + n] != ' '))
		return -EBADMSG;
	*p += 3 + n;
	return 0;
}

int iptables_rehearsal_parse(const char *value, struct iptables_rehearsal *ret)
{
	struct iptables_rehearsal reh = {0};
	const char *p;
	int n;

	if (streq(value, "not-root")) {
		reh.outcome = REHEARSAL_NOT_ROOT;
	} else if (streq(value, "missing")) {
		reh.outcome = REHEARSAL_MISSING;
	} else if (startswith(value, "unshare=")) {
		if (!value[8] || value[8 + strspn(value + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")] != '\0')
			return -EBADMSG;
		reh.outcome = REHEARSAL_NO_NETNS;
		reh.err = errno_from_name(value + 8);
	} else if (startswith(value, "timeout ")) {
		p = value + 8;
		if (parse_ms(&p, &reh.ms) < 0 || *p)
			return -EBADMSG;
		reh.outcome = REHEARSAL_TIMEOUT;
	} else if (startswith(value, "ok rules=")) {
		n = parse_uint(value + 9, UINT_MAX, &reh.rules);
		if (n < 0 || value[9 + n] != ' ')
			return -EBADMSG;
		p = value + 9 + n + 1;
		if (parse_ms(&p, &reh.ms) < 0 || *p)
			return -EBADMSG;
		reh.outcome = REHEARSAL_OK;
	} else if (startswith(value, "failed ")) {
		p = value + 7;
		if (parse_ms(&p, &reh.ms) < 0 || !startswith(p, " rule="))
			return -EBADMSG;
		p += 6;
		/* The rule is one of nestcheck's own commands: it never holds "; ". */
		const char *end = strstr(p, "; ");
		if (!end || end == p)
			return -EBADMSG;
		struct iptables_run run;
		if (iptables_run_parse(end + 2, &run) < 0)
			return -EBADMSG;
		if (run.outcome != IPTABLES_FAILED && run.outcome != IPTABLES_SIGNAL &&
		    run.outcome != IPTABLES_TIMEOUT) {
			iptables_run_clear(&run);
			return -EBADMSG;
		}
		reh.outcome = REHEARSAL_FAILED;
		reh.rule = xstrndup(p, (size_t)(end - p));
		reh.run = run;
	} else {
		return -EBADMSG;
	}
	*ret = reh;
	return 0;
}

char *iptables_rehearsal_format(const struct iptables_rehearsal *reh)
{
	switch (reh->outcome) {
	case REHEARSAL_OK:
		return xasprintf("ok rules=%u ms=%u", reh->rules, reh->ms);
	case REHEARSAL_FAILED: {
		_cleanup_free_ char *run = iptables_run_format(&reh->run);
		return xasprintf("failed ms=%u rule=%s; %s", reh->ms, reh->rule ? reh->rule : "?", run);
	}
	case REHEARSAL_NO_NETNS:
		return xasprintf("unshare=%s", errno_name(reh->err));
	case REHEARSAL_TIMEOUT:
		return xasprintf("timeout ms=%u", reh->ms);
	case REHEARSAL_MISSING:
		return xstrdup("missing");
	default:
		return xstrdup("not-root");
	}
}

void iptables_rehearsal_clear(struct iptables_rehearsal *reh)
{
	free(reh->rule);
	iptables_run_clear(&reh->run);
	*reh = (struct iptables_rehearsal){0};
}

void iptables_rule_modules(const char *rule, struct strv *mods)
{
	static const struct {
		const char *words, *module;
	} map[] = {
		{"-m addrtype", "xt_addrtype"}, {"-m conntrack", "xt_conntrack"},   {"-m tcp", "xt_tcpudp"},
		{"-m udp", "xt_tcpudp"},	{"-j MASQUERADE", "xt_MASQUERADE"}, {"-j DNAT", "xt_nat"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		size_t n = strlen(map[i].words);
		for (const char *p = strstr(rule, map[i].words); p; p = strstr(p + 1, map[i].words)) {
			bool starts = p == rule || p[-1] == ' ';
			if (starts && (p[n] == ' ' || p[n] == '\0')) {
				if (!strv_contains(mods, map[i].module))
					strv_push(mods, xstrdup(map[i].module));
				break;
			}
		}
	}
}

int iptables_other_parse(const char *value, char **ret_program, int *ret_docker)
{
	if (streq(value, "none") || streq(value, "unused")) {
		*ret_program = NULL;
		*ret_docker = -1;
		return 0;
	}
	size_t n = strcspn(value, " ");
	if (n == 0 || value[n] != ' ' || !startswith(value, "ip"))
		return -EBADMSG;
	const char *rest = value + n + 1;
	int docker = -1;
	if (startswith(rest, "docker=")) {
		unsigned v;
		int k = parse_uint(rest + 7, INT_MAX, &v);
		if (k < 0 || rest[7 + k] != '\0')
			return -EBADMSG;
		docker = (int)v;
	} else {
		struct iptables_run run;
		if (iptables_run_parse(rest, &run) < 0)
			return -EBADMSG;
		bool ok = run.outcome == IPTABLES_OK;
		iptables_run_clear(&run);
		if (ok)
			return -EBADMSG;
	}
	*ret_program = xstrndup(value, n);
	*ret_docker = docker;
	return 0;
}

int sysctl_bool_parse(const char *text, bool *ret)
{
	const char *p = text + strspn(text, " \t");
	if ((p[0] != '0' && p[0] != '1') || p[1 + strspn(p + 1, " \t\r\n")] != '\0')
		return -EBADMSG;
	*ret = p[0] == '1';
	return 0;
}
