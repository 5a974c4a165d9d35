/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_SHA256_H
#define NESTCHECK_SHA256_H

#include <stddef.h>

/* FIPS 180-4 SHA-256 of buf, as 64 lowercase hex digits and a NUL in hex. */
void sha256_hex(const void *buf, size_t len, char hex[65]);

#endif
