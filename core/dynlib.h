/* SPDX-License-Identifier: Apache-2.0 */
#ifndef NESTCHECK_DYNLIB_H
#define NESTCHECK_DYNLIB_H

/*
 * libcurl, libarchive and libkmod, loaded when a check first needs them.
 * Linked in, they cost every run milliseconds and MiB (libcurl brings TLS,
 * HTTP/2, LDAP and Kerberos with it, libkmod OpenSSL's libcrypto, zstd and
 * xz) although only the launch checks use the first two and only a module
 * lookup in the index the third. Sources that use one include this header
 * instead: the library's calls below are routed through the loaded function
 * table.
 */

#define CURL_DISABLE_TYPECHECK
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <libkmod.h>

struct dyn_curl {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	CURLcode (*easy_perform)(CURL *curl);
	void (*easy_reset)(CURL *curl);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
	char *(*easy_escape)(CURL *curl, const char *string, int length);
	void (*free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
	void (*slist_free_all)(struct curl_slist *list);
};

struct dyn_archive {
	struct archive *(*write_new)(void);
	int (*write_set_format_pax_restricted)(struct archive *a);
	int (*write_open)(struct archive *a, void *client_data, archive_open_callback *open,
			  archive_write_callback *write, archive_close_callback *close);
	int (*write_header)(struct archive *a, struct archive_entry *entry);
	la_ssize_t (*write_data)(struct archive *a, const void *buf, size_t len);
	int (*write_close)(struct archive *a);
	int (*write_free)(struct archive *a);
	int (*errno_)(struct archive *a);
	const char *(*error_string)(struct archive *a);
	struct archive_entry *(*entry_new)(void);
	struct archive_entry *(*entry_clear)(struct archive_entry *e);
	void (*entry_free)(struct archive_entry *e);
	void (*entry_set_pathname)(struct archive_entry *e, const char *name);
	void (*entry_set_filetype)(struct archive_entry *e, unsigned int type);
	void (*entry_set_perm)(struct archive_entry *e, __LA_MODE_T perm);
	void (*entry_set_size)(struct archive_entry *e, la_int64_t size);
	void (*entry_set_uid)(struct archive_entry *e, la_int64_t uid);
	void (*entry_set_gid)(struct archive_entry *e, la_int64_t gid);
	void (*entry_set_uname)(struct archive_entry *e, const char *name);
	void (*entry_set_gname)(struct archive_entry *e, const char *name);
	void (*entry_set_mtime)(struct archive_entry *e, time_t sec, long nsec);
	int (*write_add_filter_gzip)(struct archive *a);
	int (*write_open_filename)(struct archive *a, const char *file);
	struct archive *(*read_new)(void);
	int (*read_support_format_tar)(struct archive *a);
	int (*read_support_filter_gzip)(struct archive *a);
	int (*read_open_filename)(struct archive *a, const char *file, size_t block_size);
	int (*read_next_header)(struct archive *a, struct archive_entry **entry);
	la_ssize_t (*read_data)(struct archive *a, void *buf, size_t len);
	int (*read_free)(struct archive *a);
	const char *(*entry_pathname)(struct archive_entry *e);
	__LA_MODE_T (*entry_filetype)(struct archive_entry *e);
	la_int64_t (*entry_size)(struct archive_entry *e);
	const char *(*entry_symlink)(struct archive_entry *e);
	const char *(*entry_hardlink)(struct archive_entry *e);
};

struct dyn_kmod {
	struct kmod_ctx *(*new_)(const char *dirname, const char *const *config_paths);
	struct kmod_ctx *(*unref)(struct kmod_ctx *ctx);
	void (*set_log_fn)(struct kmod_ctx *ctx,
			   void (*log_fn)(void *data, int priority, const char *file, int line, const char *fn,
					  const char *format, va_list args),
			   const void *data);
	int (*module_new_from_name_lookup)(struct kmod_ctx *ctx, const char *modname, struct kmod_module **mod);
	const char *(*module_get_path)(const struct kmod_module *mod);
	struct kmod_module *(*module_unref)(struct kmod_module *mod);
};

/* 0 once the library is loaded (then dyn_curl / dyn_archive / dyn_kmod are set); -ELIBACC when it is not installed. */
int dyn_curl_load(void);
int dyn_archive_load(void);
int dyn_kmod_load(void);
/* dlerror()'s text of the last failed load, for a summary. */
const char *dyn_error(void);

extern const struct dyn_curl *dyn_curl;
extern const struct dyn_archive *dyn_archive;
extern const struct dyn_kmod *dyn_kmod;

#ifndef DYNLIB_NO_REDIRECT
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init    (dyn_curl->global_init)
#define curl_easy_init	    (dyn_curl->easy_init)
#define curl_easy_setopt    (dyn_curl->easy_setopt)
#define curl_easy_getinfo   (dyn_curl->easy_getinfo)
#define curl_easy_perform   (dyn_curl->easy_perform)
#define curl_easy_reset	    (dyn_curl->easy_reset)
#define curl_easy_cleanup   (dyn_curl->easy_cleanup)
#define curl_easy_strerror  (dyn_curl->easy_strerror)
#define curl_easy_escape    (dyn_curl->easy_escape)
#define curl_free	    (dyn_curl->free)
#define curl_slist_append   (dyn_curl->slist_append)
#define curl_slist_free_all (dyn_curl->slist_free_all)

#define archive_write_new			(dyn_archive->write_new)
#define archive_write_set_format_pax_restricted (dyn_archive->write_set_format_pax_restricted)
#define archive_write_open			(dyn_archive->write_open)
#define archive_write_header			(dyn_archive->write_header)
#define archive_write_data			(dyn_archive->write_data)
#define archive_write_close			(dyn_archive->write_close)
#define archive_write_free			(dyn_archive->write_free)
#define archive_errno				(dyn_archive->errno_)
#define archive_error_string			(dyn_archive->error_string)
#define archive_entry_new			(dyn_archive->entry_new)
#define archive_entry_clear			(dyn_archive->entry_clear)
#define archive_entry_free			(dyn_archive->entry_free)
#define archive_entry_set_pathname		(dyn_archive->entry_set_pathname)
#define archive_entry_set_filetype		(dyn_archive->entry_set_filetype)
#define archive_entry_set_perm			(dyn_archive->entry_set_perm)
#define archive_entry_set_size			(dyn_archive->entry_set_size)
#define archive_entry_set_uid			(dyn_archive->entry_set_uid)
#define archive_entry_set_gid			(dyn_archive->entry_set_gid)
#define archive_entry_set_uname			(dyn_archive->entry_set_uname)
#define archive_entry_set_gname			(dyn_archive->entry_set_gname)
#define archive_entry_set_mtime			(dyn_archive->entry_set_mtime)
#define archive_write_add_filter_gzip		(dyn_archive->write_add_filter_gzip)
#define archive_write_open_filename		(dyn_archive->write_open_filename)
#define archive_read_new			(dyn_archive->read_new)
#define archive_read_support_format_tar		(dyn_archive->read_support_format_tar)
#define archive_read_support_filter_gzip	(dyn_archive->read_support_filter_gzip)
#define archive_read_open_filename		(dyn_archive->read_open_filename)
#define archive_read_next_header		(dyn_archive->read_next_header)
#define archive_read_data			(dyn_archive->read_data)
#define archive_read_free			(dyn_archive->read_free)
#define archive_entry_pathname			(dyn_archive->entry_pathname)
#define archive_entry_filetype			(dyn_archive->entry_filetype)
#define archive_entry_size			(dyn_archive->entry_size)
#define archive_entry_symlink			(dyn_archive->entry_symlink)
#define archive_entry_hardlink			(dyn_archive->entry_hardlink)

#define kmod_new			 (dyn_kmod->new_)
#define kmod_unref			 (dyn_kmod->unref)
#define kmod_set_log_fn			 (dyn_kmod->set_log_fn)
#define kmod_module_new_from_name_lookup (dyn_kmod->module_new_from_name_lookup)
#define kmod_module_get_path		 (dyn_kmod->module_get_path)
#define kmod_module_unref		 (dyn_kmod->module_unref)
#endif

#endif
