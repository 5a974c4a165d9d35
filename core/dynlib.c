/* SPDX-License-Identifier: Apache-2.0 */
#define DYNLIB_NO_REDIRECT
#include "dynlib.h"
#include "util.h"

#include <dlfcn.h>

const struct dyn_curl *dyn_curl;
const struct dyn_archive *dyn_archive;
const struct dyn_kmod *dyn_kmod;
static char dyn_last_error[256];

/* Resolve every name into the table of pointers at fns, in order; -ELIBACC when one is missing. */
static int dyn_load(const char *soname, void **handle, void **fns, const char *const *names, size_t n)
{
	if (!*handle) {
		void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			snprintf(dyn_last_error, sizeof(dyn_last_error), "%s", dlerror());
			return -ELIBACC;
		}
		for (size_t i = 0; i < n; i++) {
			fns[i] = dlsym(h, names[i]);
			if (!fns[i]) {
				snprintf(dyn_last_error, sizeof(dyn_last_error), "%s: no symbol %s", soname, names[i]);
				dlclose(h);
				return -ELIBACC;
			}
		}
		*handle = h;
	}
	return 0;
}

int dyn_curl_load(void)
{
	static const char *const names[] = {
		"curl_global_init",  "curl_easy_init",	"curl_easy_setopt",  "curl_easy_getinfo",
		"curl_easy_perform", "curl_easy_reset", "curl_easy_cleanup", "curl_easy_strerror",
		"curl_easy_escape",  "curl_free",	"curl_slist_append", "curl_slist_free_all",
	};
	static void *handle;
	static struct dyn_curl table;
	_Static_assert(sizeof(table) == sizeof(names) / sizeof(names[0]) * sizeof(void *), "one name per pointer");
	int r = dyn_load("libcurl.so.4", &handle, (void **)&table, names, ARRAY_SIZE(names));
	if (r == 0)
		dyn_curl = &table;
	return r;
}

int dyn_archive_load(void)
{
	static const char *const names[] = {
		"archive_write_new",
		"archive_write_set_format_pax_restricted",
		"archive_write_open",
		"archive_write_header",
		"archive_write_data",
		"archive_write_close",
		"archive_write_free",
		"archive_errno",
		"archive_error_string",
		"archive_entry_new",
		"archive_entry_clear",
		"archive_entry_free",
		"archive_entry_set_pathname",
		"archive_entry_set_filetype",
		"archive_entry_set_perm",
		"archive_entry_set_size",
		"archive_entry_set_uid",
		"archive_entry_set_gid",
		"archive_entry_set_uname",
		"archive_entry_set_gname",
		"archive_entry_set_mtime",
		"archive_write_add_filter_gzip",
		"archive_write_open_filename",
		"archive_read_new",
		"archive_read_support_format_tar",
		"archive_read_support_filter_gzip",
		"archive_read_open_filename",
		"archive_read_next_header",
		"archive_read_data",
		"archive_read_free",
		"archive_entry_pathname",
		"archive_entry_filetype",
		"archive_entry_size",
		"archive_entry_symlink",
		"archive_entry_hardlink",
	};
	static void *handle;
	static struct dyn_archive table;
	_Static_assert(sizeof(table) == sizeof(names) / sizeof(names[0]) * sizeof(void *), "one name per pointer");
	int r = dyn_load("libarchive.so.13", &handle, (void **)&table, names, ARRAY_SIZE(names));
	if (r == 0)
		dyn_archive = &table;
	return r;
}

int dyn_kmod_load(void)
{
	static const char *const names[] = {
		"kmod_new",
		"kmod_unref",
		"kmod_set_log_fn",
		"kmod_module_new_from_name_lookup",
		"kmod_module_get_path",
		"kmod_module_unref",
	};
	static void *handle;
	static struct dyn_kmod table;
	_Static_assert(sizeof(table) == sizeof(names) / sizeof(names[0]) * sizeof(void *), "one name per pointer");
	int r = dyn_load("libkmod.so.2", &handle, (void **)&table, names, ARRAY_SIZE(names));
	if (r == 0)
		dyn_kmod = &table;
	return r;
}

const char *dyn_error(void)
{
	return dyn_last_error[0] ? dyn_last_error : "not loaded";
}
