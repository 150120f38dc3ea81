/*
 * test_librados_header_c99.c - <rados/librados.h> must compile on its own in
 * strict ISO C99 (no GNU extensions, no _GNU_SOURCE), since programs written
 * against Ceph's header build that way.  The build is the test; main() only
 * touches a few declarations so they are not optimised out of reach.
 */
#include <rados/librados.h>

int main(void)
{
	struct rados_pool_stat_t st;
	rados_object_list_item item;

	memset(&st, 0, sizeof(st));
	memset(&item, 0, sizeof(item));
	return (int)(st.num_bytes + item.oid_length) + (LIBRADOS_VERSION_CODE != 196608);
}
