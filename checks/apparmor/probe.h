/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_APPARMOR_PROBE_H
#define NESTCHECK_APPARMOR_PROBE_H

/* Where apparmor_parser is, or "missing". userdata unused. For host_observe(). */
int probe_apparmor_parser(void *userdata, char **ret);

#endif
