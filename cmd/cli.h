/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_CLI_H
#define NESTCHECK_CLI_H

/* The whole command line; returns the exit status (0, 1 or 2). */
int cli_main(int argc, char **argv);

#endif
