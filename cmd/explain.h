/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_EXPLAIN_H
#define NESTCHECK_EXPLAIN_H

/* `nestcheck explain [--json] [TEXT...]`: name the known failure an error text betrays, its cause and fix. */
int explain_main(int argc, char **argv);

#endif
