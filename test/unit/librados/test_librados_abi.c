/*
 * test_librados_abi.c - the public librados headers against Ceph's C ABI.
 *
 * Cairn's librados.so.2 must be a drop-in replacement for Ceph's (Pacific
 * 16.2.x): programs and bindings compiled against Ceph's <rados/librados.h>
 * pass Cairn's library structs they allocated, constants they compiled in
 * and callbacks of Ceph's types.  This test pins those facts, as recorded in
 * /work/shared/librados/SYMBOLS.md and API_CONVENTIONS.md, so that an edit to
 * librados/include/rados/ cannot silently break them:
 *
 *   - every function python3-rados and fio import has exactly the signature
 *     SYMBOLS.md gives (checked at compile time with _Generic, which does
 *     not evaluate its operand, so no library is needed to link);
 *   - struct sizes, field offsets and field types;
 *   - constant values and the handle/callback typedefs;
 *   - a few functions assigned to pointers of the exact signature.  Those
 *     references are weak, so the test links without librados; if it is
 *     ever linked against the library, they must all resolve and
 *     rados_version() must report the header's version.
 *
 * Most checks are _Static_assert (the build fails); the same layout and
 * constant facts are repeated at run time so the test report lists them.
 * Layout facts are for LP64 (x86-64), the only ABI SYMBOLS.md measured.
 */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <rados/librados.h>
#include <rados/rados_types.h>

#include "test/unit/unit.h"

#if !defined(__LP64__) || UINTPTR_MAX != UINT64_MAX
#error "the librados ABI facts checked here are for LP64 targets"
#endif

/* ----------------------------------------------------------------------
 * Function signatures, exactly as SYMBOLS.md gives them (155 functions:
 * python3-rados's 153 plus fio's rados_create and
 * rados_aio_create_completion; rados_aio_get_return_value, which Debian's
 * librbd also binds, is among them).  Generated from SYMBOLS.md's tables;
 * parameter names are kept for readability and do not matter.  _Generic
 * compares function types by C's compatibility rules: return type and
 * every parameter type must match, pointee qualifiers included, while
 * top-level parameter qualifiers (const char *const id) are ignored, as
 * they are by the ABI.
 * ---------------------------------------------------------------------- */

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define SIG(fn, type)                                                                              \
	_Static_assert(_Generic(&(fn), type : 1, default : 0),                                     \
		       #fn " does not have the signature SYMBOLS.md gives")

SIG(rados_blocklist_add, int (*)(rados_t cluster, char *client_address, uint32_t expire_seconds));
SIG(rados_buffer_free, void (*)(char *buf));
SIG(rados_cluster_fsid, int (*)(rados_t cluster, char *buf, size_t len));
SIG(rados_cluster_stat, int (*)(rados_t cluster, struct rados_cluster_stat_t *result));
SIG(rados_conf_get, int (*)(rados_t cluster, const char *option, char *buf, size_t len));
SIG(rados_conf_parse_argv_remainder,
    int (*)(rados_t cluster, int argc, const char **argv, const char **remargv));
SIG(rados_conf_parse_env, int (*)(rados_t cluster, const char *var));
SIG(rados_conf_read_file, int (*)(rados_t cluster, const char *path));
SIG(rados_conf_set, int (*)(rados_t cluster, const char *option, const char *value));
SIG(rados_connect, int (*)(rados_t cluster));
SIG(rados_create, int (*)(rados_t *cluster, const char *const id));
SIG(rados_create2, int (*)(rados_t *pcluster, const char *const clustername, const char *const name,
			   uint64_t flags));
SIG(rados_create_with_context, int (*)(rados_t *cluster, rados_config_t cct));
SIG(rados_get_instance_id, uint64_t (*)(rados_t cluster));
SIG(rados_getaddrs, int (*)(rados_t cluster, char **addrs));
SIG(rados_ioctx_get_cluster, rados_t (*)(rados_ioctx_t io));
SIG(rados_ping_monitor,
    int (*)(rados_t cluster, const char *mon_id, char **outstr, size_t *outstrlen));
SIG(rados_service_register,
    int (*)(rados_t cluster, const char *service, const char *daemon, const char *metadata_dict));
SIG(rados_service_update_status, int (*)(rados_t cluster, const char *status_dict));
SIG(rados_shutdown, void (*)(rados_t cluster));
SIG(rados_version, void (*)(int *major, int *minor, int *extra));
SIG(rados_wait_for_latest_osdmap, int (*)(rados_t cluster));
SIG(rados_application_enable, int (*)(rados_ioctx_t io, const char *app_name, int force));
SIG(rados_application_list, int (*)(rados_ioctx_t io, char *values, size_t *values_len));
SIG(rados_application_metadata_get, int (*)(rados_ioctx_t io, const char *app_name, const char *key,
					    char *value, size_t *value_len));
SIG(rados_application_metadata_list, int (*)(rados_ioctx_t io, const char *app_name, char *keys,
					     size_t *key_len, char *values, size_t *vals_len));
SIG(rados_application_metadata_remove,
    int (*)(rados_ioctx_t io, const char *app_name, const char *key));
SIG(rados_application_metadata_set,
    int (*)(rados_ioctx_t io, const char *app_name, const char *key, const char *value));
SIG(rados_inconsistent_pg_list, int (*)(rados_t cluster, int64_t pool, char *buf, size_t len));
SIG(rados_ioctx_pool_required_alignment2, int (*)(rados_ioctx_t io, uint64_t *alignment));
SIG(rados_ioctx_pool_requires_alignment2, int (*)(rados_ioctx_t io, int *req));
SIG(rados_ioctx_pool_stat, int (*)(rados_ioctx_t io, struct rados_pool_stat_t *stats));
SIG(rados_pool_create, int (*)(rados_t cluster, const char *pool_name));
SIG(rados_pool_create_with_all,
    int (*)(rados_t cluster, const char *pool_name, uint64_t auid, uint8_t crush_rule_num));
SIG(rados_pool_create_with_auid, int (*)(rados_t cluster, const char *pool_name, uint64_t auid));
SIG(rados_pool_create_with_crush_rule,
    int (*)(rados_t cluster, const char *pool_name, uint8_t crush_rule_num));
SIG(rados_pool_delete, int (*)(rados_t cluster, const char *pool_name));
SIG(rados_pool_get_base_tier, int (*)(rados_t cluster, int64_t pool, int64_t *base_tier));
SIG(rados_pool_list, int (*)(rados_t cluster, char *buf, size_t len));
SIG(rados_pool_lookup, int64_t (*)(rados_t cluster, const char *pool_name));
SIG(rados_pool_reverse_lookup, int (*)(rados_t cluster, int64_t id, char *buf, size_t maxlen));
SIG(rados_set_pool_full_try, void (*)(rados_ioctx_t io));
SIG(rados_unset_pool_full_try, void (*)(rados_ioctx_t io));
SIG(rados_get_last_version, uint64_t (*)(rados_ioctx_t io));
SIG(rados_ioctx_create, int (*)(rados_t cluster, const char *pool_name, rados_ioctx_t *ioctx));
SIG(rados_ioctx_create2, int (*)(rados_t cluster, int64_t pool_id, rados_ioctx_t *ioctx));
SIG(rados_ioctx_destroy, void (*)(rados_ioctx_t io));
SIG(rados_ioctx_get_id, int64_t (*)(rados_ioctx_t io));
SIG(rados_ioctx_get_pool_name, int (*)(rados_ioctx_t io, char *buf, unsigned maxlen));
SIG(rados_ioctx_locator_set_key, void (*)(rados_ioctx_t io, const char *key));
SIG(rados_ioctx_set_namespace, void (*)(rados_ioctx_t io, const char *nspace));
SIG(rados_append, int (*)(rados_ioctx_t io, const char *oid, const char *buf, size_t len));
SIG(rados_cmpext,
    int (*)(rados_ioctx_t io, const char *o, const char *cmp_buf, size_t cmp_len, uint64_t off));
SIG(rados_exec, int (*)(rados_ioctx_t io, const char *oid, const char *cls, const char *method,
			const char *in_buf, size_t in_len, char *buf, size_t out_len));
SIG(rados_read, int (*)(rados_ioctx_t io, const char *oid, char *buf, size_t len, uint64_t off));
SIG(rados_remove, int (*)(rados_ioctx_t io, const char *oid));
SIG(rados_stat, int (*)(rados_ioctx_t io, const char *o, uint64_t *psize, time_t *pmtime));
SIG(rados_trunc, int (*)(rados_ioctx_t io, const char *oid, uint64_t size));
SIG(rados_write,
    int (*)(rados_ioctx_t io, const char *oid, const char *buf, size_t len, uint64_t off));
SIG(rados_write_full, int (*)(rados_ioctx_t io, const char *oid, const char *buf, size_t len));
SIG(rados_writesame, int (*)(rados_ioctx_t io, const char *oid, const char *buf, size_t data_len,
			     size_t write_len, uint64_t off));
SIG(rados_getxattr,
    int (*)(rados_ioctx_t io, const char *o, const char *name, char *buf, size_t len));
SIG(rados_getxattrs, int (*)(rados_ioctx_t io, const char *oid, rados_xattrs_iter_t *iter));
SIG(rados_getxattrs_end, void (*)(rados_xattrs_iter_t iter));
SIG(rados_getxattrs_next,
    int (*)(rados_xattrs_iter_t iter, const char **name, const char **val, size_t *len));
SIG(rados_rmxattr, int (*)(rados_ioctx_t io, const char *o, const char *name));
SIG(rados_setxattr,
    int (*)(rados_ioctx_t io, const char *o, const char *name, const char *buf, size_t len));
SIG(rados_aio_append, int (*)(rados_ioctx_t io, const char *oid, rados_completion_t completion,
			      const char *buf, size_t len));
SIG(rados_aio_cmpext, int (*)(rados_ioctx_t io, const char *o, rados_completion_t completion,
			      const char *cmp_buf, size_t cmp_len, uint64_t off));
SIG(rados_aio_create_completion, int (*)(void *cb_arg, rados_callback_t cb_complete,
					 rados_callback_t cb_safe, rados_completion_t *pc));
SIG(rados_aio_create_completion2,
    int (*)(void *cb_arg, rados_callback_t cb_complete, rados_completion_t *pc));
SIG(rados_aio_exec,
    int (*)(rados_ioctx_t io, const char *o, rados_completion_t completion, const char *cls,
	    const char *method, const char *in_buf, size_t in_len, char *buf, size_t out_len));
SIG(rados_aio_flush, int (*)(rados_ioctx_t io));
SIG(rados_aio_get_return_value, int (*)(rados_completion_t c));
SIG(rados_aio_is_complete, int (*)(rados_completion_t c));
SIG(rados_aio_read, int (*)(rados_ioctx_t io, const char *oid, rados_completion_t completion,
			    char *buf, size_t len, uint64_t off));
SIG(rados_aio_release, void (*)(rados_completion_t c));
SIG(rados_aio_remove, int (*)(rados_ioctx_t io, const char *oid, rados_completion_t completion));
SIG(rados_aio_rmxattr,
    int (*)(rados_ioctx_t io, const char *o, rados_completion_t completion, const char *name));
SIG(rados_aio_setxattr, int (*)(rados_ioctx_t io, const char *o, rados_completion_t completion,
				const char *name, const char *buf, size_t len));
SIG(rados_aio_stat, int (*)(rados_ioctx_t io, const char *o, rados_completion_t completion,
			    uint64_t *psize, time_t *pmtime));
SIG(rados_aio_wait_for_complete, int (*)(rados_completion_t c));
SIG(rados_aio_wait_for_complete_and_cb, int (*)(rados_completion_t c));
SIG(rados_aio_write, int (*)(rados_ioctx_t io, const char *oid, rados_completion_t completion,
			     const char *buf, size_t len, uint64_t off));
SIG(rados_aio_write_full, int (*)(rados_ioctx_t io, const char *oid, rados_completion_t completion,
				  const char *buf, size_t len));
SIG(rados_aio_writesame, int (*)(rados_ioctx_t io, const char *oid, rados_completion_t completion,
				 const char *buf, size_t data_len, size_t write_len, uint64_t off));
SIG(rados_aio_read_op_operate, int (*)(rados_read_op_t read_op, rados_ioctx_t io,
				       rados_completion_t completion, const char *oid, int flags));
SIG(rados_aio_write_op_operate,
    int (*)(rados_write_op_t write_op, rados_ioctx_t io, rados_completion_t completion,
	    const char *oid, time_t *mtime, int flags));
SIG(rados_create_read_op, rados_read_op_t (*)(void));
SIG(rados_create_write_op, rados_write_op_t (*)(void));
SIG(rados_omap_get_end, void (*)(rados_omap_iter_t iter));
SIG(rados_omap_get_next, int (*)(rados_omap_iter_t iter, char **key, char **val, size_t *len));
SIG(rados_read_op_cmpext, void (*)(rados_read_op_t read_op, const char *cmp_buf, size_t cmp_len,
				   uint64_t off, int *prval));
SIG(rados_read_op_omap_get_keys2,
    void (*)(rados_read_op_t read_op, const char *start_after, uint64_t max_return,
	     rados_omap_iter_t *iter, unsigned char *pmore, int *prval));
SIG(rados_read_op_omap_get_vals2,
    void (*)(rados_read_op_t read_op, const char *start_after, const char *filter_prefix,
	     uint64_t max_return, rados_omap_iter_t *iter, unsigned char *pmore, int *prval));
SIG(rados_read_op_omap_get_vals_by_keys,
    void (*)(rados_read_op_t read_op, char const *const *keys, size_t keys_len,
	     rados_omap_iter_t *iter, int *prval));
SIG(rados_read_op_operate,
    int (*)(rados_read_op_t read_op, rados_ioctx_t io, const char *oid, int flags));
SIG(rados_read_op_set_flags, void (*)(rados_read_op_t read_op, int flags));
SIG(rados_release_read_op, void (*)(rados_read_op_t read_op));
SIG(rados_release_write_op, void (*)(rados_write_op_t write_op));
SIG(rados_write_op_append, void (*)(rados_write_op_t write_op, const char *buffer, size_t len));
SIG(rados_write_op_assert_version, void (*)(rados_write_op_t write_op, uint64_t ver));
SIG(rados_write_op_cmpext, void (*)(rados_write_op_t write_op, const char *cmp_buf, size_t cmp_len,
				    uint64_t off, int *prval));
SIG(rados_write_op_create,
    void (*)(rados_write_op_t write_op, int exclusive, const char *category));
SIG(rados_write_op_exec, void (*)(rados_write_op_t write_op, const char *cls, const char *method,
				  const char *in_buf, size_t in_len, int *prval));
SIG(rados_write_op_omap_clear, void (*)(rados_write_op_t write_op));
SIG(rados_write_op_omap_cmp,
    void (*)(rados_write_op_t write_op, const char *key, uint8_t comparison_operator,
	     const char *val, size_t val_len, int *prval));
SIG(rados_write_op_omap_rm_keys,
    void (*)(rados_write_op_t write_op, char const *const *keys, size_t keys_len));
SIG(rados_write_op_omap_rm_range2,
    void (*)(rados_write_op_t write_op, const char *key_begin, size_t key_begin_len,
	     const char *key_end, size_t key_end_len));
SIG(rados_write_op_omap_set, void (*)(rados_write_op_t write_op, char const *const *keys,
				      char const *const *vals, const size_t *lens, size_t num));
SIG(rados_write_op_operate, int (*)(rados_write_op_t write_op, rados_ioctx_t io, const char *oid,
				    time_t *mtime, int flags));
SIG(rados_write_op_remove, void (*)(rados_write_op_t write_op));
SIG(rados_write_op_rmxattr, void (*)(rados_write_op_t write_op, const char *name));
SIG(rados_write_op_set_flags, void (*)(rados_write_op_t write_op, int flags));
SIG(rados_write_op_setxattr,
    void (*)(rados_write_op_t write_op, const char *name, const char *value, size_t value_len));
SIG(rados_write_op_truncate, void (*)(rados_write_op_t write_op, uint64_t offset));
SIG(rados_write_op_write,
    void (*)(rados_write_op_t write_op, const char *buffer, size_t len, uint64_t offset));
SIG(rados_write_op_write_full, void (*)(rados_write_op_t write_op, const char *buffer, size_t len));
SIG(rados_write_op_writesame, void (*)(rados_write_op_t write_op, const char *buffer,
				       size_t data_len, size_t write_len, uint64_t offset));
SIG(rados_write_op_zero, void (*)(rados_write_op_t write_op, uint64_t offset, uint64_t len));
SIG(rados_nobjects_list_close, void (*)(rados_list_ctx_t ctx));
SIG(rados_nobjects_list_next,
    int (*)(rados_list_ctx_t ctx, const char **entry, const char **key, const char **nspace));
SIG(rados_nobjects_list_open, int (*)(rados_ioctx_t io, rados_list_ctx_t *ctx));
SIG(rados_ioctx_selfmanaged_snap_create, int (*)(rados_ioctx_t io, rados_snap_t *snapid));
SIG(rados_ioctx_selfmanaged_snap_remove, int (*)(rados_ioctx_t io, rados_snap_t snapid));
SIG(rados_ioctx_selfmanaged_snap_rollback,
    int (*)(rados_ioctx_t io, const char *oid, rados_snap_t snapid));
SIG(rados_ioctx_selfmanaged_snap_set_write_ctx,
    int (*)(rados_ioctx_t io, rados_snap_t seq, rados_snap_t *snaps, int num_snaps));
SIG(rados_ioctx_snap_create, int (*)(rados_ioctx_t io, const char *snapname));
SIG(rados_ioctx_snap_get_name, int (*)(rados_ioctx_t io, rados_snap_t id, char *name, int maxlen));
SIG(rados_ioctx_snap_get_stamp, int (*)(rados_ioctx_t io, rados_snap_t id, time_t *t));
SIG(rados_ioctx_snap_list, int (*)(rados_ioctx_t io, rados_snap_t *snaps, int maxlen));
SIG(rados_ioctx_snap_lookup, int (*)(rados_ioctx_t io, const char *name, rados_snap_t *id));
SIG(rados_ioctx_snap_remove, int (*)(rados_ioctx_t io, const char *snapname));
SIG(rados_ioctx_snap_rollback, int (*)(rados_ioctx_t io, const char *oid, const char *snapname));
SIG(rados_ioctx_snap_set_read, void (*)(rados_ioctx_t io, rados_snap_t snap));
SIG(rados_aio_notify,
    int (*)(rados_ioctx_t io, const char *o, rados_completion_t completion, const char *buf,
	    int buf_len, uint64_t timeout_ms, char **reply_buffer, size_t *reply_buffer_len));
SIG(rados_decode_notify_response,
    int (*)(char *reply_buffer, size_t reply_buffer_len, struct notify_ack_t **acks,
	    size_t *nr_acks, struct notify_timeout_t **timeouts, size_t *nr_timeouts));
SIG(rados_free_notify_response,
    void (*)(struct notify_ack_t *acks, size_t nr_acks, struct notify_timeout_t *timeouts));
SIG(rados_notify2, int (*)(rados_ioctx_t io, const char *o, const char *buf, int buf_len,
			   uint64_t timeout_ms, char **reply_buffer, size_t *reply_buffer_len));
SIG(rados_notify_ack, int (*)(rados_ioctx_t io, const char *o, uint64_t notify_id, uint64_t cookie,
			      const char *buf, int buf_len));
SIG(rados_unwatch2, int (*)(rados_ioctx_t io, uint64_t cookie));
SIG(rados_watch3,
    int (*)(rados_ioctx_t io, const char *o, uint64_t *cookie, rados_watchcb2_t watchcb,
	    rados_watcherrcb_t watcherrcb, uint32_t timeout, void *arg));
SIG(rados_watch_check, int (*)(rados_ioctx_t io, uint64_t cookie));
SIG(rados_watch_flush, int (*)(rados_t cluster));
SIG(rados_lock_exclusive,
    int (*)(rados_ioctx_t io, const char *oid, const char *name, const char *cookie,
	    const char *desc, struct timeval *duration, uint8_t flags));
SIG(rados_lock_shared,
    int (*)(rados_ioctx_t io, const char *o, const char *name, const char *cookie, const char *tag,
	    const char *desc, struct timeval *duration, uint8_t flags));
SIG(rados_unlock, int (*)(rados_ioctx_t io, const char *o, const char *name, const char *cookie));
SIG(rados_mgr_command,
    int (*)(rados_t cluster, const char **cmd, size_t cmdlen, const char *inbuf, size_t inbuflen,
	    char **outbuf, size_t *outbuflen, char **outs, size_t *outslen));
SIG(rados_mgr_command_target,
    int (*)(rados_t cluster, const char *name, const char **cmd, size_t cmdlen, const char *inbuf,
	    size_t inbuflen, char **outbuf, size_t *outbuflen, char **outs, size_t *outslen));
SIG(rados_mon_command,
    int (*)(rados_t cluster, const char **cmd, size_t cmdlen, const char *inbuf, size_t inbuflen,
	    char **outbuf, size_t *outbuflen, char **outs, size_t *outslen));
SIG(rados_mon_command_target,
    int (*)(rados_t cluster, const char *name, const char **cmd, size_t cmdlen, const char *inbuf,
	    size_t inbuflen, char **outbuf, size_t *outbuflen, char **outs, size_t *outslen));
SIG(rados_monitor_log,
    int (*)(rados_t cluster, const char *level, rados_log_callback_t cb, void *arg));
SIG(rados_monitor_log2,
    int (*)(rados_t cluster, const char *level, rados_log_callback2_t cb, void *arg));
SIG(rados_osd_command,
    int (*)(rados_t cluster, int osdid, const char **cmd, size_t cmdlen, const char *inbuf,
	    size_t inbuflen, char **outbuf, size_t *outbuflen, char **outs, size_t *outslen));
SIG(rados_pg_command,
    int (*)(rados_t cluster, const char *pgstr, const char **cmd, size_t cmdlen, const char *inbuf,
	    size_t inbuflen, char **outbuf, size_t *outbuflen, char **outs, size_t *outslen));

#pragma GCC diagnostic pop

/* ----------------------------------------------------------------------
 * Handle, value and callback typedefs
 * ---------------------------------------------------------------------- */

#define IS_TYPE(expr, type) _Generic((expr), type : 1, default : 0)

_Static_assert(IS_TYPE((rados_t)0, void *), "rados_t is void *");
_Static_assert(IS_TYPE((rados_config_t)0, void *), "rados_config_t is void *");
_Static_assert(IS_TYPE((rados_ioctx_t)0, void *), "rados_ioctx_t is void *");
_Static_assert(IS_TYPE((rados_list_ctx_t)0, void *), "rados_list_ctx_t is void *");
_Static_assert(IS_TYPE((rados_object_list_cursor)0, void *), "cursor is void *");
_Static_assert(IS_TYPE((rados_xattrs_iter_t)0, void *), "rados_xattrs_iter_t is void *");
_Static_assert(IS_TYPE((rados_omap_iter_t)0, void *), "rados_omap_iter_t is void *");
_Static_assert(IS_TYPE((rados_write_op_t)0, void *), "rados_write_op_t is void *");
_Static_assert(IS_TYPE((rados_read_op_t)0, void *), "rados_read_op_t is void *");
_Static_assert(IS_TYPE((rados_completion_t)0, void *), "rados_completion_t is void *");
_Static_assert(IS_TYPE((rados_snap_t)0, uint64_t), "rados_snap_t is uint64_t");
_Static_assert(sizeof(rados_checksum_type_t) == 4, "rados_checksum_type_t is an int-sized enum");

_Static_assert(IS_TYPE((rados_callback_t)0, void (*)(rados_completion_t, void *)),
	       "rados_callback_t");
_Static_assert(IS_TYPE((rados_watchcb_t)0, void (*)(uint8_t, uint64_t, void *)), "rados_watchcb_t");
_Static_assert(IS_TYPE((rados_watchcb2_t)0,
		       void (*)(void *, uint64_t, uint64_t, uint64_t, void *, size_t)),
	       "rados_watchcb2_t");
_Static_assert(IS_TYPE((rados_watcherrcb_t)0, void (*)(void *, uint64_t, int)),
	       "rados_watcherrcb_t");
_Static_assert(IS_TYPE((rados_log_callback_t)0,
		       void (*)(void *, const char *, const char *, uint64_t, uint64_t, uint64_t,
				const char *, const char *)),
	       "rados_log_callback_t");
_Static_assert(IS_TYPE((rados_log_callback2_t)0,
		       void (*)(void *, const char *, const char *, const char *, const char *,
				uint64_t, uint64_t, uint64_t, const char *, const char *)),
	       "rados_log_callback2_t");

/* The system types the API passes by pointer have their LP64 sizes. */
_Static_assert(sizeof(time_t) == 8, "time_t");
_Static_assert(sizeof(struct timeval) == 16, "struct timeval");

/* ----------------------------------------------------------------------
 * Struct layouts (SYMBOLS.md, "Types whose binary layout must match")
 * ---------------------------------------------------------------------- */

/* Offset, size and type of one member, checked at compile time. */
#define MEMBER(st, m, off, type)                                                                   \
	_Static_assert(offsetof(st, m) == (off), #st "." #m " offset");                            \
	_Static_assert(sizeof(((st *)0)->m) == sizeof(type), #st "." #m " size");                  \
	_Static_assert(IS_TYPE(((st *)0)->m, type), #st "." #m " type")

MEMBER(struct rados_pool_stat_t, num_bytes, 0, uint64_t);
MEMBER(struct rados_pool_stat_t, num_kb, 8, uint64_t);
MEMBER(struct rados_pool_stat_t, num_objects, 16, uint64_t);
MEMBER(struct rados_pool_stat_t, num_object_clones, 24, uint64_t);
MEMBER(struct rados_pool_stat_t, num_object_copies, 32, uint64_t);
MEMBER(struct rados_pool_stat_t, num_objects_missing_on_primary, 40, uint64_t);
MEMBER(struct rados_pool_stat_t, num_objects_unfound, 48, uint64_t);
MEMBER(struct rados_pool_stat_t, num_objects_degraded, 56, uint64_t);
MEMBER(struct rados_pool_stat_t, num_rd, 64, uint64_t);
MEMBER(struct rados_pool_stat_t, num_rd_kb, 72, uint64_t);
MEMBER(struct rados_pool_stat_t, num_wr, 80, uint64_t);
MEMBER(struct rados_pool_stat_t, num_wr_kb, 88, uint64_t);
MEMBER(struct rados_pool_stat_t, num_user_bytes, 96, uint64_t);
MEMBER(struct rados_pool_stat_t, compressed_bytes_orig, 104, uint64_t);
MEMBER(struct rados_pool_stat_t, compressed_bytes, 112, uint64_t);
MEMBER(struct rados_pool_stat_t, compressed_bytes_alloc, 120, uint64_t);
_Static_assert(sizeof(struct rados_pool_stat_t) == 128, "rados_pool_stat_t size");

MEMBER(struct rados_cluster_stat_t, kb, 0, uint64_t);
MEMBER(struct rados_cluster_stat_t, kb_used, 8, uint64_t);
MEMBER(struct rados_cluster_stat_t, kb_avail, 16, uint64_t);
MEMBER(struct rados_cluster_stat_t, num_objects, 24, uint64_t);
_Static_assert(sizeof(struct rados_cluster_stat_t) == 32, "rados_cluster_stat_t size");

MEMBER(rados_object_list_item, oid_length, 0, size_t);
MEMBER(rados_object_list_item, oid, 8, char *);
MEMBER(rados_object_list_item, nspace_length, 16, size_t);
MEMBER(rados_object_list_item, nspace, 24, char *);
MEMBER(rados_object_list_item, locator_length, 32, size_t);
MEMBER(rados_object_list_item, locator, 40, char *);
_Static_assert(sizeof(rados_object_list_item) == 48, "rados_object_list_item size");

MEMBER(struct notify_ack_t, notifier_id, 0, uint64_t);
MEMBER(struct notify_ack_t, cookie, 8, uint64_t);
MEMBER(struct notify_ack_t, payload, 16, char *);
MEMBER(struct notify_ack_t, payload_len, 24, uint64_t);
_Static_assert(sizeof(struct notify_ack_t) == 32, "notify_ack_t size");

MEMBER(struct notify_timeout_t, notifier_id, 0, uint64_t);
MEMBER(struct notify_timeout_t, cookie, 8, uint64_t);
_Static_assert(sizeof(struct notify_timeout_t) == 16, "notify_timeout_t size");

/* addr is char[256]; an array operand of _Generic decays, so check it apart. */
_Static_assert(offsetof(struct obj_watch_t, addr) == 0, "obj_watch_t.addr offset");
_Static_assert(sizeof(((struct obj_watch_t *)0)->addr) == 256, "obj_watch_t.addr size");
_Static_assert(IS_TYPE(((struct obj_watch_t *)0)->addr, char *), "obj_watch_t.addr is char[]");
MEMBER(struct obj_watch_t, watcher_id, 256, int64_t);
MEMBER(struct obj_watch_t, cookie, 264, uint64_t);
MEMBER(struct obj_watch_t, timeout_seconds, 272, uint32_t);
_Static_assert(sizeof(struct obj_watch_t) == 280, "obj_watch_t size (4 bytes tail padding)");

/* ----------------------------------------------------------------------
 * Constants a caller compiles in
 * ---------------------------------------------------------------------- */

_Static_assert(LIBRADOS_VER_MAJOR == 3 && LIBRADOS_VER_MINOR == 0 && LIBRADOS_VER_EXTRA == 0,
	       "API version 3.0.0");
_Static_assert(LIBRADOS_VERSION_CODE == 196608, "LIBRADOS_VERSION_CODE");
_Static_assert(LIBRADOS_VERSION(1, 2, 3) == 0x010203, "LIBRADOS_VERSION packing");
_Static_assert(LIBRADOS_SNAP_HEAD == UINT64_MAX - 1, "LIBRADOS_SNAP_HEAD is (uint64_t)-2");
_Static_assert(LIBRADOS_SNAP_DIR == UINT64_MAX, "LIBRADOS_SNAP_DIR is (uint64_t)-1");
_Static_assert(IS_TYPE(LIBRADOS_SNAP_HEAD, uint64_t), "LIBRADOS_SNAP_HEAD is a uint64_t");
_Static_assert(sizeof(LIBRADOS_ALL_NSPACES) == 2, "LIBRADOS_ALL_NSPACES is one byte + NUL");
_Static_assert(LIBRADOS_CREATE_EXCLUSIVE == 1 && LIBRADOS_CREATE_IDEMPOTENT == 0, "create");
_Static_assert(LIBRADOS_LOCK_FLAG_RENEW == 1 && LIBRADOS_LOCK_FLAG_MAY_RENEW == 1 &&
		   LIBRADOS_LOCK_FLAG_MUST_RENEW == 2,
	       "lock flags");
_Static_assert(LIBRADOS_SUPPORTS_WATCH == 1 && LIBRADOS_SUPPORTS_SERVICES == 1 &&
		   LIBRADOS_SUPPORTS_GETADDRS == 1 && LIBRADOS_SUPPORTS_APP_METADATA == 1,
	       "feature macros");
_Static_assert(CEPH_OSD_TMAP_HDR == 'h' && CEPH_OSD_TMAP_SET == 's' &&
		   CEPH_OSD_TMAP_CREATE == 'c' && CEPH_OSD_TMAP_RM == 'r',
	       "tmap opcodes");

/* Run-time table of the enumerated and #defined integer constants. */
struct constant {
	const char *name;
	long long value;
	long long want;
};

#define C(name, want)                                                                              \
	{                                                                                          \
#name, (long long)(name), (want)                                                   \
	}

static const struct constant constants[] = {
    C(LIBRADOS_VER_MAJOR, 3),
    C(LIBRADOS_VER_MINOR, 0),
    C(LIBRADOS_VER_EXTRA, 0),
    C(LIBRADOS_VERSION_CODE, 196608),
    C(LIBRADOS_CREATE_EXCLUSIVE, 1),
    C(LIBRADOS_CREATE_IDEMPOTENT, 0),
    C(LIBRADOS_LOCK_FLAG_RENEW, 1),
    C(LIBRADOS_LOCK_FLAG_MAY_RENEW, 1),
    C(LIBRADOS_LOCK_FLAG_MUST_RENEW, 2),
    C(LIBRADOS_CMPXATTR_OP_EQ, 1),
    C(LIBRADOS_CMPXATTR_OP_NE, 2),
    C(LIBRADOS_CMPXATTR_OP_GT, 3),
    C(LIBRADOS_CMPXATTR_OP_GTE, 4),
    C(LIBRADOS_CMPXATTR_OP_LT, 5),
    C(LIBRADOS_CMPXATTR_OP_LTE, 6),
    C(LIBRADOS_OPERATION_NOFLAG, 0),
    C(LIBRADOS_OPERATION_BALANCE_READS, 1),
    C(LIBRADOS_OPERATION_LOCALIZE_READS, 2),
    C(LIBRADOS_OPERATION_ORDER_READS_WRITES, 4),
    C(LIBRADOS_OPERATION_IGNORE_CACHE, 8),
    C(LIBRADOS_OPERATION_SKIPRWLOCKS, 16),
    C(LIBRADOS_OPERATION_IGNORE_OVERLAY, 32),
    C(LIBRADOS_OPERATION_FULL_TRY, 64),
    C(LIBRADOS_OPERATION_FULL_FORCE, 128),
    C(LIBRADOS_OPERATION_IGNORE_REDIRECT, 256),
    C(LIBRADOS_OPERATION_ORDERSNAP, 512),
    C(LIBRADOS_OPERATION_RETURNVEC, 1024),
    C(LIBRADOS_OP_FLAG_EXCL, 0x1),
    C(LIBRADOS_OP_FLAG_FAILOK, 0x2),
    C(LIBRADOS_OP_FLAG_FADVISE_RANDOM, 0x4),
    C(LIBRADOS_OP_FLAG_FADVISE_SEQUENTIAL, 0x8),
    C(LIBRADOS_OP_FLAG_FADVISE_WILLNEED, 0x10),
    C(LIBRADOS_OP_FLAG_FADVISE_DONTNEED, 0x20),
    C(LIBRADOS_OP_FLAG_FADVISE_NOCACHE, 0x40),
    C(LIBRADOS_OP_FLAG_FADVISE_FUA, 0x80),
    C(LIBRADOS_ALLOC_HINT_FLAG_SEQUENTIAL_WRITE, 1),
    C(LIBRADOS_ALLOC_HINT_FLAG_RANDOM_WRITE, 2),
    C(LIBRADOS_ALLOC_HINT_FLAG_SEQUENTIAL_READ, 4),
    C(LIBRADOS_ALLOC_HINT_FLAG_RANDOM_READ, 8),
    C(LIBRADOS_ALLOC_HINT_FLAG_APPEND_ONLY, 16),
    C(LIBRADOS_ALLOC_HINT_FLAG_IMMUTABLE, 32),
    C(LIBRADOS_ALLOC_HINT_FLAG_SHORTLIVED, 64),
    C(LIBRADOS_ALLOC_HINT_FLAG_LONGLIVED, 128),
    C(LIBRADOS_ALLOC_HINT_FLAG_COMPRESSIBLE, 256),
    C(LIBRADOS_ALLOC_HINT_FLAG_INCOMPRESSIBLE, 512),
    C(LIBRADOS_ALLOC_HINT_FLAG_LOG, 1024),
    C(LIBRADOS_CHECKSUM_TYPE_XXHASH32, 0),
    C(LIBRADOS_CHECKSUM_TYPE_XXHASH64, 1),
    C(LIBRADOS_CHECKSUM_TYPE_CRC32C, 2),
    C(LIBRADOS_SUPPORTS_WATCH, 1),
    C(LIBRADOS_SUPPORTS_SERVICES, 1),
    C(LIBRADOS_SUPPORTS_GETADDRS, 1),
    C(LIBRADOS_SUPPORTS_APP_METADATA, 1),
};

/* Each table entry's value must also be known at compile time. */
_Static_assert(LIBRADOS_OPERATION_RETURNVEC == 1024 && LIBRADOS_OPERATION_ORDERSNAP == 512 &&
		   LIBRADOS_OPERATION_IGNORE_REDIRECT == 256 &&
		   LIBRADOS_OPERATION_FULL_FORCE == 128 && LIBRADOS_OPERATION_FULL_TRY == 64 &&
		   LIBRADOS_OPERATION_IGNORE_OVERLAY == 32 &&
		   LIBRADOS_OPERATION_SKIPRWLOCKS == 16 && LIBRADOS_OPERATION_IGNORE_CACHE == 8 &&
		   LIBRADOS_OPERATION_ORDER_READS_WRITES == 4 &&
		   LIBRADOS_OPERATION_LOCALIZE_READS == 2 &&
		   LIBRADOS_OPERATION_BALANCE_READS == 1 && LIBRADOS_OPERATION_NOFLAG == 0,
	       "LIBRADOS_OPERATION_* values");
_Static_assert(LIBRADOS_OP_FLAG_EXCL == 1 && LIBRADOS_OP_FLAG_FAILOK == 2 &&
		   LIBRADOS_OP_FLAG_FADVISE_RANDOM == 4 &&
		   LIBRADOS_OP_FLAG_FADVISE_SEQUENTIAL == 8 &&
		   LIBRADOS_OP_FLAG_FADVISE_WILLNEED == 0x10 &&
		   LIBRADOS_OP_FLAG_FADVISE_DONTNEED == 0x20 &&
		   LIBRADOS_OP_FLAG_FADVISE_NOCACHE == 0x40 && LIBRADOS_OP_FLAG_FADVISE_FUA == 0x80,
	       "LIBRADOS_OP_FLAG_* values");
_Static_assert(LIBRADOS_CMPXATTR_OP_EQ == 1 && LIBRADOS_CMPXATTR_OP_NE == 2 &&
		   LIBRADOS_CMPXATTR_OP_GT == 3 && LIBRADOS_CMPXATTR_OP_GTE == 4 &&
		   LIBRADOS_CMPXATTR_OP_LT == 5 && LIBRADOS_CMPXATTR_OP_LTE == 6,
	       "LIBRADOS_CMPXATTR_OP_* values");
_Static_assert(LIBRADOS_CHECKSUM_TYPE_XXHASH32 == 0 && LIBRADOS_CHECKSUM_TYPE_XXHASH64 == 1 &&
		   LIBRADOS_CHECKSUM_TYPE_CRC32C == 2,
	       "rados_checksum_type_t values");

/* ----------------------------------------------------------------------
 * Function pointers of the exact type.  Weak references: the test links
 * without the library (it is built in a later issue); linked against it,
 * all of them resolve.
 * ---------------------------------------------------------------------- */

#pragma weak rados_version
#pragma weak rados_create
#pragma weak rados_create2
#pragma weak rados_conf_get
#pragma weak rados_read
#pragma weak rados_write_full
#pragma weak rados_ioctx_pool_stat
#pragma weak rados_aio_create_completion2
#pragma weak rados_aio_write_op_operate
#pragma weak rados_nobjects_list_next
#pragma weak rados_write_op_omap_set
#pragma weak rados_read_op_omap_get_vals2
#pragma weak rados_mon_command
#pragma weak rados_watch3
#pragma weak rados_decode_notify_response

struct fn_ref {
	const char *name;
	int linked;
};

/* ----------------------------------------------------------------------
 * Run-time checks
 * ---------------------------------------------------------------------- */

struct member {
	const char *name;
	size_t offset, size;
	size_t want_offset, want_size;
};

#define M(st, m, off, sz)                                                                          \
	{                                                                                          \
#st "." #m, offsetof(st, m), sizeof(((st *)0)->m), (off), (sz)                     \
	}

static const struct member members[] = {
    M(struct rados_pool_stat_t, num_bytes, 0, 8),
    M(struct rados_pool_stat_t, num_kb, 8, 8),
    M(struct rados_pool_stat_t, num_objects, 16, 8),
    M(struct rados_pool_stat_t, num_object_clones, 24, 8),
    M(struct rados_pool_stat_t, num_object_copies, 32, 8),
    M(struct rados_pool_stat_t, num_objects_missing_on_primary, 40, 8),
    M(struct rados_pool_stat_t, num_objects_unfound, 48, 8),
    M(struct rados_pool_stat_t, num_objects_degraded, 56, 8),
    M(struct rados_pool_stat_t, num_rd, 64, 8),
    M(struct rados_pool_stat_t, num_rd_kb, 72, 8),
    M(struct rados_pool_stat_t, num_wr, 80, 8),
    M(struct rados_pool_stat_t, num_wr_kb, 88, 8),
    M(struct rados_pool_stat_t, num_user_bytes, 96, 8),
    M(struct rados_pool_stat_t, compressed_bytes_orig, 104, 8),
    M(struct rados_pool_stat_t, compressed_bytes, 112, 8),
    M(struct rados_pool_stat_t, compressed_bytes_alloc, 120, 8),
    M(struct rados_cluster_stat_t, kb, 0, 8),
    M(struct rados_cluster_stat_t, kb_used, 8, 8),
    M(struct rados_cluster_stat_t, kb_avail, 16, 8),
    M(struct rados_cluster_stat_t, num_objects, 24, 8),
    M(rados_object_list_item, oid_length, 0, 8),
    M(rados_object_list_item, oid, 8, 8),
    M(rados_object_list_item, nspace_length, 16, 8),
    M(rados_object_list_item, nspace, 24, 8),
    M(rados_object_list_item, locator_length, 32, 8),
    M(rados_object_list_item, locator, 40, 8),
    M(struct notify_ack_t, notifier_id, 0, 8),
    M(struct notify_ack_t, cookie, 8, 8),
    M(struct notify_ack_t, payload, 16, 8),
    M(struct notify_ack_t, payload_len, 24, 8),
    M(struct notify_timeout_t, notifier_id, 0, 8),
    M(struct notify_timeout_t, cookie, 8, 8),
    M(struct obj_watch_t, addr, 0, 256),
    M(struct obj_watch_t, watcher_id, 256, 8),
    M(struct obj_watch_t, cookie, 264, 8),
    M(struct obj_watch_t, timeout_seconds, 272, 4),
};

START_TEST(test_struct_members)
{
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		const struct member *m = &members[i];

		ck_assert_msg(m->offset == m->want_offset, "%s at offset %zu, want %zu", m->name,
			      m->offset, m->want_offset);
		ck_assert_msg(m->size == m->want_size, "%s is %zu bytes, want %zu", m->name,
			      m->size, m->want_size);
	}
}
END_TEST

START_TEST(test_struct_sizes)
{
	ck_assert_uint_eq(sizeof(struct rados_pool_stat_t), 128);
	ck_assert_uint_eq(sizeof(struct rados_cluster_stat_t), 32);
	ck_assert_uint_eq(sizeof(rados_object_list_item), 48);
	ck_assert_uint_eq(sizeof(struct notify_ack_t), 32);
	ck_assert_uint_eq(sizeof(struct notify_timeout_t), 16);
	ck_assert_uint_eq(sizeof(struct obj_watch_t), 280);
	ck_assert_uint_eq(sizeof(rados_t), sizeof(void *));
	ck_assert_uint_eq(sizeof(rados_snap_t), 8);
}
END_TEST

START_TEST(test_constants)
{
	for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++)
		ck_assert_msg(constants[i].value == constants[i].want, "%s = %lld, want %lld",
			      constants[i].name, constants[i].value, constants[i].want);

	ck_assert_uint_eq(LIBRADOS_SNAP_HEAD, UINT64_C(0xfffffffffffffffe));
	ck_assert_uint_eq(LIBRADOS_SNAP_DIR, UINT64_C(0xffffffffffffffff));
	ck_assert_uint_eq(strlen(LIBRADOS_ALL_NSPACES), 1);
	ck_assert_int_eq(LIBRADOS_ALL_NSPACES[0], 1);
}
END_TEST

/* The comparison value rados_cmpext() documents: -(MAX_ERRNO + offset). */
START_TEST(test_cmpext_mismatch_encoding)
{
	const int max_errno = 4095;
	int mismatch_at_2 = -(max_errno + 2);

	ck_assert_int_eq(mismatch_at_2, -4097);
	/* python3-rados decodes it as errno - MAX_ERRNO. */
	ck_assert_int_eq(-mismatch_at_2 - max_errno, 2);
}
END_TEST

START_TEST(test_function_pointers)
{
	void (*p_version)(int *, int *, int *) = rados_version;
	int (*p_create)(rados_t *, const char *const) = rados_create;
	int (*p_create2)(rados_t *, const char *const, const char *const, uint64_t) = rados_create2;
	int (*p_conf_get)(rados_t, const char *, char *, size_t) = rados_conf_get;
	int (*p_read)(rados_ioctx_t, const char *, char *, size_t, uint64_t) = rados_read;
	int (*p_write_full)(rados_ioctx_t, const char *, const char *, size_t) = rados_write_full;
	int (*p_pool_stat)(rados_ioctx_t, struct rados_pool_stat_t *) = rados_ioctx_pool_stat;
	int (*p_completion2)(void *, rados_callback_t, rados_completion_t *) =
	    rados_aio_create_completion2;
	int (*p_aio_wop)(rados_write_op_t, rados_ioctx_t, rados_completion_t, const char *,
			 time_t *, int) = rados_aio_write_op_operate;
	int (*p_list_next)(rados_list_ctx_t, const char **, const char **, const char **) =
	    rados_nobjects_list_next;
	void (*p_omap_set)(rados_write_op_t, char const *const *, char const *const *,
			   const size_t *, size_t) = rados_write_op_omap_set;
	void (*p_get_vals2)(rados_read_op_t, const char *, const char *, uint64_t,
			    rados_omap_iter_t *, unsigned char *, int *) =
	    rados_read_op_omap_get_vals2;
	int (*p_mon_command)(rados_t, const char **, size_t, const char *, size_t, char **,
			     size_t *, char **, size_t *) = rados_mon_command;
	int (*p_watch3)(rados_ioctx_t, const char *, uint64_t *, rados_watchcb2_t,
			rados_watcherrcb_t, uint32_t, void *) = rados_watch3;
	int (*p_decode)(char *, size_t, struct notify_ack_t **, size_t *,
			struct notify_timeout_t **, size_t *) = rados_decode_notify_response;
	const struct fn_ref refs[] = {
	    {"rados_version", p_version != NULL},
	    {"rados_create", p_create != NULL},
	    {"rados_create2", p_create2 != NULL},
	    {"rados_conf_get", p_conf_get != NULL},
	    {"rados_read", p_read != NULL},
	    {"rados_write_full", p_write_full != NULL},
	    {"rados_ioctx_pool_stat", p_pool_stat != NULL},
	    {"rados_aio_create_completion2", p_completion2 != NULL},
	    {"rados_aio_write_op_operate", p_aio_wop != NULL},
	    {"rados_nobjects_list_next", p_list_next != NULL},
	    {"rados_write_op_omap_set", p_omap_set != NULL},
	    {"rados_read_op_omap_get_vals2", p_get_vals2 != NULL},
	    {"rados_mon_command", p_mon_command != NULL},
	    {"rados_watch3", p_watch3 != NULL},
	    {"rados_decode_notify_response", p_decode != NULL},
	};

	/* Either no library is linked (all NULL) or it provides all of them. */
	for (size_t i = 1; i < sizeof(refs) / sizeof(refs[0]); i++)
		ck_assert_msg(refs[i].linked == refs[0].linked, "%s is %s but rados_version is not",
			      refs[i].name, refs[i].linked ? "linked" : "missing");

	if (p_version) {
		int major = -1, minor = -1, extra = -1;

		p_version(&major, &minor, &extra);
		ck_assert_int_eq(major, LIBRADOS_VER_MAJOR);
		ck_assert_int_eq(minor, LIBRADOS_VER_MINOR);
		ck_assert_int_eq(extra, LIBRADOS_VER_EXTRA);
	}
}
END_TEST

static Suite *librados_abi_suite(void)
{
	Suite *s = suite_create("librados_abi");
	TCase *tc;

	tc = tcase_create("layout");
	tcase_add_test(tc, test_struct_members);
	tcase_add_test(tc, test_struct_sizes);
	suite_add_tcase(s, tc);

	tc = tcase_create("constants");
	tcase_add_test(tc, test_constants);
	tcase_add_test(tc, test_cmpext_mismatch_encoding);
	suite_add_tcase(s, tc);

	tc = tcase_create("functions");
	tcase_add_test(tc, test_function_pointers);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(librados_abi_suite)
