/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bundle (nestcheck collect's tar.gz, or any sysroot tarball) given to --root. Most inputs
 * describe a tar that this harness writes with libarchive, so that the fuzzer reaches the
 * extraction's own rules (paths, links, types, sizes, depth) past tar's checksums; the rest is
 * handed over raw (tar and gzip readers). Whatever it holds: extraction ends, a refusal has a
 * reason, and nothing of it is left in the temporary directory after the clean-up.
 *
 * The description: byte 0 = flags (bit 0 raw, bit 1 gzip, bit 2 under root/), then records of
 * a type byte (file, directory, symlink, hardlink, fifo, character device), a name length and
 * name, a data length and data (a file's bytes, a link's target).
 */
#include "fuzz.h"

#include "cmd/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[4096];

static void remove_tmpdir(void)
{
	bundle_cleanup();
	rmdir(tmpdir);
}

static size_t take(const uint8_t **p, const uint8_t *end, const uint8_t **ret, size_t max)
{
	if (*p >= end)
		return 0;
	size_t n = **p % (max + 1);
	(*p)++;
	if ((size_t)(end - *p) < n)
		n = (size_t)(end - *p);
	*ret = *p;
	*p += n;
	return n;
}

static size_t build_tar(const uint8_t *p, const uint8_t *end, bool gz, bool under_root, void *out, size_t cap)
{
	struct archive *a = archive_write_new();
	size_t used = 0;
	archive_write_set_format_pax_restricted(a);
	if (gz)
		archive_write_add_filter_gzip(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_memory(a, out, cap, &used) != ARCHIVE_OK) {
		archive_write_free(a);
		return 0;
	}
	for (int i = 0; p < end && i < 64; i++) {
		unsigned type = *p++ % 6;
		const uint8_t *name, *body;
		size_t nlen = take(&p, end, &name, 255), blen = take(&p, end, &body, 255);
		char path[600];
		snprintf(path, sizeof(path), "%s%.*s", under_root ? "root/" : "", (int)nlen, (const char *)name);
		char target[300];
		snprintf(target, sizeof(target), "%.*s", (int)blen, (const char *)body);
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, path);
		archive_entry_set_perm(e, 0644);
		switch (type) {
		case 0:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)blen);
			break;
		case 1:
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
			break;
		case 2:
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, target);
			break;
		case 3:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, target);
			break;
		case 4:
			archive_entry_set_filetype(e, AE_IFIFO);
			break;
		default:
			archive_entry_set_filetype(e, AE_IFCHR);
			break;
		}
		if (archive_write_header(a, e) == ARCHIVE_OK && type == 0 && blen)
			archive_write_data(a, body, blen);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return used;
}

static bool dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		abort();
	struct dirent *de;
	bool empty = true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	return empty;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		fuzz_tmpdir(tmpdir, sizeof(tmpdir), "bundle");
		if (setenv("TMPDIR", tmpdir, 1) < 0)
			abort();
		atexit(remove_tmpdir);
		init = true;
	}
	if (size < 1)
		return 0;
	static uint8_t tar[1 << 20];
	const void *bytes = data + 1;
	size_t len = size - 1;
	if (!(data[0] & 1)) {
		len = build_tar(data + 1, data + size, data[0] & 2, data[0] & 4, tar, sizeof(tar));
		bytes = tar;
	}
	int fd = memfd_create("bundle", MFD_CLOEXEC);
	if (fd < 0 || (len && write(fd, bytes, len) != (ssize_t)len))
		abort();
	char file[64], err[512] = "";
	snprintf(file, sizeof(file), "/proc/self/fd/%d", fd);
	const char *root = NULL;
	int r = bundle_extract(file, &root, err, sizeof(err));
	if (r == 0) {
		FUZZ_ASSERT(root != NULL);
		struct stat st;
		FUZZ_ASSERT(stat(root, &st) == 0 && S_ISDIR(st.st_mode));
	} else {
		FUZZ_ASSERT(err[0] != '\0');
	}
	bundle_cleanup();
	close(fd);
	FUZZ_ASSERT(dir_empty(tmpdir));
	return 0;
}
