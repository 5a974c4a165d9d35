/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_MERGE_H
#define NESTCHECK_MERGE_H

/* `nestcheck merge [--json] REPORT.json|DIR...`: the fleet's roll-up; exit 1 when a system is not_ready. */
int merge_main(int argc, char **argv);

#endif
