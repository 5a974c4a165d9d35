/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_COLLECT_H
#define NESTCHECK_COLLECT_H

/* `nestcheck collect -o FILE.tar.gz [--no-redact]`: a triage bundle of this system. Exit 0, or 2 with one line. */
int collect_main(int argc, char **argv);

#endif
