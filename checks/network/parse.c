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
	return IPTABLES_ERR_OTHER;
}

int sysctl_bool_parse(const char *text, bool *ret)
{
	const char *p = text + strspn(text, " \t");
	if ((p[0] != '0' && p[0] != '1') || p[1 + strspn(p + 1, " \t\r\n")] != '\0')
		return -EBADMSG;
	*ret = p[0] == '1';
	return 0;
}
