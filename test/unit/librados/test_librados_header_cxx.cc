/*
 * test_librados_header_cxx.cc - <rados/librados.h> must compile as C++ and
 * declare its functions with C linkage and the same types as in C (C++
 * programs and bindings include it directly).  The checks are static; the
 * program only has to build and exit 0.
 */
#include <rados/librados.h>

#include <type_traits>

static_assert(std::is_same<rados_t, void *>::value, "rados_t is void *");
static_assert(std::is_same<rados_snap_t, uint64_t>::value, "rados_snap_t is uint64_t");
static_assert(sizeof(rados_pool_stat_t) == 128, "rados_pool_stat_t");
static_assert(sizeof(rados_cluster_stat_t) == 32, "rados_cluster_stat_t");
static_assert(sizeof(rados_object_list_item) == 48, "rados_object_list_item");
static_assert(sizeof(obj_watch_t) == 280, "obj_watch_t");
static_assert(std::is_same<decltype(&rados_read),
			   int (*)(rados_ioctx_t, const char *, char *, size_t, uint64_t)>::value,
	      "rados_read");
static_assert(std::is_same<decltype(&rados_create2),
			   int (*)(rados_t *, const char *, const char *, uint64_t)>::value,
	      "rados_create2");
static_assert(std::is_same<decltype(&rados_write_op_omap_set),
			   void (*)(rados_write_op_t, char const *const *, char const *const *,
				    const size_t *, size_t)>::value,
	      "rados_write_op_omap_set");
static_assert(std::is_same<rados_callback_t, void (*)(rados_completion_t, void *)>::value,
	      "rados_callback_t");
static_assert(LIBRADOS_SNAP_HEAD == UINT64_MAX - 1, "LIBRADOS_SNAP_HEAD");

int main()
{
	return 0;
}
