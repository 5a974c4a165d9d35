/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_LXD_CMD_H
#define NESTCHECK_LXD_CMD_H

/*
 * `nestcheck lxd NAME [options]`, run on an LXD host: reads the instance's
 * configuration over LXD's unix socket, pushes nestcheck with its loader and
 * libraries into the instance, runs it there, removes it again, and prints
 * one report: the instance's checks plus lxd.instance, judged on the host.
 * `nestcheck incus NAME` is the same through Incus's socket. argv[1] is
 * "lxd" or "incus". Returns the exit status.
 */
int lxd_main(int argc, char **argv);

#endif
