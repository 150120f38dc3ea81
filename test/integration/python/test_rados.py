"""Debian's python3-rados (Ceph Pacific 16.2.15's binding) against a Cairn cluster.

Run by test_python_rados.sh, which starts 3 monitors and 3 OSDs, creates pool
"rbd" and sets CEPH_CONF to the cluster's conf file and LD_LIBRARY_PATH to the
build's librados (so `import rados` binds Cairn's librados.so.2).

Expected values are what Ceph's library returns (see
/work/shared/librados/API_CONVENTIONS.md), including the binding's own quirks
(noted where a test depends on one).  Tests for known Cairn bugs are marked
xfail(strict=True) so they fail loudly once the bug is fixed (none at the moment).
"""
import errno
import json
import os
import threading
import time
import uuid

import pytest
import rados

CONF = os.environ.get("CEPH_CONF", "")
# Generous: completions on a busy 2-core machine.
WAIT = 60


def conf_value(key):
    """The value of KEY in the cluster's conf file (first occurrence)."""
    with open(CONF) as f:
        for line in f:
            k, sep, v = line.partition("=")
            if sep and k.strip().replace(" ", "_") == key:
                return v.strip()
    raise KeyError(key)


def poll(what, fn, timeout=30):
    """Call FN until it returns a true value; fail after TIMEOUT seconds."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            pytest.fail("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(0.2)


def new_name(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


# ---- fixtures ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def cluster():
    assert CONF and os.path.exists(CONF), "CEPH_CONF must name the test cluster's conf"
    r = rados.Rados(conffile=CONF)
    r.connect(timeout=30)
    yield r
    r.shutdown()


@pytest.fixture
def ioctx(cluster):
    io = cluster.open_ioctx("rbd")
    yield io
    io.close()


@pytest.fixture
def obj(request):
    """A fresh object name for this test."""
    return new_name(request.node.name[:40])


@pytest.fixture
def fresh_pool(cluster):
    """A new pool (deleted afterwards) and an ioctx on it."""
    name = new_name("py-pool")
    cluster.create_pool(name)
    io = cluster.open_ioctx(name)
    yield name, io
    io.close()
    cluster.delete_pool(name)


class Waiter:
    """Counts callback invocations; wait() until N have happened."""

    def __init__(self):
        self.cond = threading.Condition()
        self.calls = []

    def record(self, *args):
        with self.cond:
            self.calls.append(args)
            self.cond.notify_all()

    def wait(self, n=1):
        with self.cond:
            ok = self.cond.wait_for(lambda: len(self.calls) >= n, timeout=WAIT)
        assert ok, "only %d of %d callbacks ran" % (len(self.calls), n)
        return self.calls


# ---- the library under test --------------------------------------------------------


def test_cairns_librados_is_loaded():
    """LD_LIBRARY_PATH made the binding load the build's library, not Debian's."""
    want = os.environ.get("CAIRN_LIBRADOS_DIR")
    if not want:
        pytest.skip("CAIRN_LIBRADOS_DIR not set")
    with open("/proc/self/maps") as f:
        libs = {l.split()[-1] for l in f if "librados.so" in l}
    assert libs, "no librados mapped"
    for lib in libs:
        assert os.path.realpath(lib).startswith(os.path.realpath(want) + "/"), libs
    r = rados.Rados(conffile=None)
    assert str(r.version()) == "3.0.0"               # librados' API version, as Ceph's
    r.shutdown()


# ---- cluster handle ---------------------------------------------------------------


def test_connect_shutdown():
    for _ in range(3):
        r = rados.Rados(conffile=CONF)
        assert r.state == "configuring"
        r.connect(timeout=30)
        assert r.state == "connected"
        assert "rbd" in r.list_pools()
        r.shutdown()
        assert r.state == "shutdown"
        with pytest.raises(rados.RadosStateError):
            r.list_pools()
    # The context manager connects and shuts down.
    with rados.Rados(conffile=CONF) as r:
        assert r.state == "connected"
        assert r.pool_exists("rbd")
    assert r.state == "shutdown"
    # conf_read_file(None) goes to $CEPH_CONF.
    r = rados.Rados(conffile="")
    r.connect(timeout=30)
    assert r.get_fsid() == conf_value("fsid")
    r.shutdown()


def test_conf_get_set():
    r = rados.Rados(conffile=CONF)
    try:
        assert r.conf_get("mon_host") == conf_value("mon_host")
        assert r.conf_get("mon host") == conf_value("mon_host")
        assert r.conf_get("client_mount_timeout") == "20"
        r.conf_set("rados_osd_op_timeout", "37")
        assert r.conf_get("rados_osd_op_timeout") == "37"
        assert r.conf_get("no_such_option_x") is None
        with pytest.raises(rados.ObjectNotFound) as ei:
            r.conf_set("no_such_option_x", "1")
        assert ei.value.errno == errno.ENOENT
        # A long value makes the binding grow its buffer (it starts at 20 bytes).
        long_path = "/tmp/" + "x" * 300
        r.conf_set("log_file", long_path)
        assert r.conf_get("log_file") == long_path
        r.conf_set("log_file", "")
        r.connect(timeout=30)
        assert r.conf_get("rados_osd_op_timeout") == "37"
        # mon_host is not changeable once connected.
        with pytest.raises(rados.PermissionError) as ei:
            r.conf_set("mon_host", "127.0.0.1:1")
        assert ei.value.errno == errno.EPERM
    finally:
        r.shutdown()


def test_conf_parse_argv():
    r = rados.Rados(conffile=CONF)
    # Options are taken, everything else is handed back.
    assert r.conf_parse_argv(["prog", "--rados_osd_op_timeout", "42", "extra"]) == ["prog", "extra"]
    assert r.conf_get("rados_osd_op_timeout") == "42"
    assert r.conf_parse_argv(["x", "--rados-osd-op-timeout=43"]) == ["x"]
    assert r.conf_get("rados_osd_op_timeout") == "43"
    r.shutdown()


def test_conf_parse_argv_first_element():
    r = rados.Rados(conffile=CONF)
    try:
        assert r.conf_parse_argv(["--rados_osd_op_timeout", "41"]) == []
        assert r.conf_get("rados_osd_op_timeout") == "41"
    finally:
        r.shutdown()


def test_get_fsid(cluster):
    fsid = cluster.get_fsid()
    assert fsid == conf_value("fsid")
    assert len(fsid) == 36
    assert str(uuid.UUID(fsid)) == fsid


def test_get_instance_id(cluster):
    a = cluster.get_instance_id()
    assert isinstance(a, int) and a > 0
    assert cluster.get_instance_id() == a
    with rados.Rados(conffile=CONF) as other:
        b = other.get_instance_id()
        assert b > 0 and b != a


def test_get_cluster_stats(cluster, fresh_pool):
    _, io = fresh_pool
    s = cluster.get_cluster_stats()
    assert set(s) == {"kb", "kb_used", "kb_avail", "num_objects"}
    assert all(isinstance(v, int) and v >= 0 for v in s.values())
    # Three OSDs with 512 MiB block files.
    assert 0 < s["kb"] <= 3 * 512 * 1024
    assert s["kb_used"] <= s["kb"] and 0 < s["kb_avail"] <= s["kb"]
    for i in range(4):
        io.write_full("stat-%d" % i, b"x" * 100)
    # Stats come from the OSDs' periodic PG reports: wait for these objects.
    poll("cluster num_objects to count 4 new objects",
         lambda: cluster.get_cluster_stats()["num_objects"] >= s["num_objects"] + 4)


# ---- pools ------------------------------------------------------------------------


def test_pools(cluster):
    name = new_name("py-pools")
    assert not cluster.pool_exists(name)
    assert cluster.pool_lookup(name) is None
    cluster.create_pool(name)
    try:
        assert cluster.pool_exists(name)
        assert name in cluster.list_pools()
        pid = cluster.pool_lookup(name)
        assert isinstance(pid, int) and pid > cluster.pool_lookup("rbd") > 0
        assert cluster.pool_reverse_lookup(pid) == name
        with pytest.raises(rados.ObjectExists) as ei:
            cluster.create_pool(name)
        assert ei.value.errno == errno.EEXIST
        with cluster.open_ioctx2(pid) as io:
            assert io.get_pool_name() == name
            assert io.get_pool_id() == pid
        with cluster.open_ioctx(name) as io:
            assert io.get_pool_id() == pid
            io.write_full("o", b"data")
            assert io.read("o") == b"data"
    finally:
        cluster.delete_pool(name)
    assert not cluster.pool_exists(name)
    assert name not in cluster.list_pools()
    assert cluster.pool_lookup(name) is None
    assert cluster.pool_reverse_lookup(pid) is None
    with pytest.raises(rados.ObjectNotFound) as ei:
        cluster.delete_pool(name)
    assert ei.value.errno == errno.ENOENT


def test_pool_list_longer_than_first_buffer(cluster):
    """A pool list longer than the binding's first 512-byte buffer."""
    tag = uuid.uuid4().hex[:6]
    names = ["py-long-%s-%02d-%s" % (tag, i, "n" * 50) for i in range(9)]
    for n in names:
        cluster.create_pool(n)
    try:
        pools = cluster.list_pools()
        assert sum(len(p.encode()) + 1 for p in pools) + 1 > 512
        for n in names:
            assert pools.count(n) == 1
            assert cluster.pool_reverse_lookup(cluster.pool_lookup(n)) == n
    finally:
        for n in names:
            cluster.delete_pool(n)
    pools = cluster.list_pools()
    assert not any(tag in p for p in pools)


def test_pool_name_utf8(cluster):
    name = "\u9ec5-" + uuid.uuid4().hex[:6]
    cluster.create_pool(name)
    try:
        assert cluster.pool_exists(name)
        assert name in cluster.list_pools()
        assert cluster.pool_reverse_lookup(cluster.pool_lookup(name)) == name
        with cluster.open_ioctx(name) as io:
            assert io.get_pool_name() == name
    finally:
        cluster.delete_pool(name)


def test_open_ioctx_missing_pool(cluster):
    with pytest.raises(rados.ObjectNotFound) as ei:
        cluster.open_ioctx("no-such-pool-" + uuid.uuid4().hex[:6])
    assert ei.value.errno == errno.ENOENT


# ---- object I/O ---------------------------------------------------------------------


def test_write_read(ioctx, obj):
    assert ioctx.write(obj, b"hello world") == 0
    assert ioctx.read(obj) == b"hello world"
    assert ioctx.read(obj, 5) == b"hello"
    assert ioctx.read(obj, 5, 6) == b"world"
    assert ioctx.read(obj, 100, 6) == b"world"      # short read at EOF
    assert ioctx.read(obj, 10, 11) == b""           # at EOF
    assert ioctx.read(obj, 10, 1000) == b""         # past EOF
    ioctx.write(obj, b"W", 6)
    assert ioctx.read(obj) == b"hello World"
    ioctx.write(obj, b"!", 15)                      # a hole is zero-filled
    assert ioctx.read(obj) == b"hello World\0\0\0\0!"
    size, mtime = ioctx.stat(obj)
    assert size == 16
    assert isinstance(mtime, time.struct_time)
    assert abs(time.mktime(mtime) - time.time()) < 120
    with pytest.raises(rados.ObjectNotFound):
        ioctx.read(obj + "-missing")


def test_write_full_append(ioctx, obj):
    assert ioctx.write_full(obj, b"0123456789") == 0
    ioctx.write_full(obj, b"abc")
    assert ioctx.read(obj) == b"abc"
    assert ioctx.append(obj, b"def") == 0
    assert ioctx.read(obj) == b"abcdef"
    assert ioctx.stat(obj)[0] == 6
    ioctx.append(obj + "-new", b"first")            # append creates
    assert ioctx.read(obj + "-new") == b"first"
    ioctx.write_full(obj, b"")
    assert ioctx.stat(obj)[0] == 0
    assert ioctx.read(obj) == b""


def test_large_object(ioctx, obj):
    data = os.urandom(4 * 1024 * 1024 + 3)
    ioctx.write_full(obj, data)
    assert ioctx.stat(obj)[0] == len(data)
    # The binding's read() reads at most LENGTH bytes (default 8192).
    assert ioctx.read(obj) == data[:8192]
    assert ioctx.read(obj, len(data)) == data
    assert ioctx.read(obj, 100, len(data) - 50) == data[-50:]


def test_trunc(ioctx, obj):
    ioctx.write_full(obj, b"abcdefgh")
    assert ioctx.trunc(obj, 3) == 0
    assert ioctx.read(obj) == b"abc"
    ioctx.trunc(obj, 6)
    assert ioctx.read(obj) == b"abc\0\0\0"
    assert ioctx.stat(obj)[0] == 6
    ioctx.trunc(obj, 0)
    assert ioctx.stat(obj)[0] == 0


def test_remove(ioctx, obj):
    ioctx.write_full(obj, b"x")
    assert ioctx.remove_object(obj) is True
    with pytest.raises(rados.ObjectNotFound):
        ioctx.stat(obj)
    with pytest.raises(rados.ObjectNotFound):
        ioctx.read(obj)
    with pytest.raises(rados.ObjectNotFound) as ei:
        ioctx.remove_object(obj)
    assert ei.value.errno == errno.ENOENT


def test_writesame(ioctx, obj):
    ioctx.writesame(obj, b"ab", 6, 2)
    assert ioctx.read(obj) == b"\0\0ababab"
    ioctx.writesame(obj, b"xyz", 3, 1)
    assert ioctx.read(obj) == b"\0xyzabab"
    # write_len must be a multiple of the data length.
    with pytest.raises(rados.InvalidArgumentError) as ei:
        ioctx.writesame(obj, b"abc", 4)
    assert ei.value.errno == errno.EINVAL
    assert ioctx.read(obj) == b"\0xyzabab"


def test_cmpext(ioctx, obj):
    ioctx.write_full(obj, b"abcdefgh")
    assert ioctx.cmpext(obj, b"abcdefgh") == 0
    assert ioctx.cmpext(obj, b"cde", 2) == 0
    # Past EOF the object compares as zeros.
    assert ioctx.cmpext(obj, b"gh\0\0", 6) == 0
    # The sync binding returns the raw -(MAX_ERRNO + index) (index within cmp_buf).
    assert ioctx.cmpext(obj, b"abXdefgh") == -(rados.MAX_ERRNO + 2)
    assert ioctx.cmpext(obj, b"efgX", 4) == -(rados.MAX_ERRNO + 3)
    assert ioctx.cmpext(obj, b"gh\0Z", 6) == -(rados.MAX_ERRNO + 3)
    # Through an op, the binding turns it into ExtendMismatch(offset).
    with rados.ReadOpCtx() as op:
        op.cmpext(b"abcdeXgh", 0)
        with pytest.raises(rados.ExtendMismatch) as ei:
            ioctx.operate_read_op(op, obj)
    assert ei.value.offset == 5
    assert ei.value.errno == rados.MAX_ERRNO + 5
    with rados.WriteOpCtx() as op:
        op.cmpext(b"cdQ", 2)
        op.write(b"ZZZ", 0)
        with pytest.raises(rados.ExtendMismatch) as ei:
            ioctx.operate_write_op(op, obj)
    assert ei.value.offset == 2
    assert ioctx.read(obj) == b"abcdefgh"           # the write did not happen
    with rados.WriteOpCtx() as op:
        op.cmpext(b"cde", 2)
        op.write(b"ZZZ", 0)
        ioctx.operate_write_op(op, obj)
    assert ioctx.read(obj) == b"ZZZdefgh"


# ---- xattrs ---------------------------------------------------------------------


def test_xattrs(ioctx, obj):
    ioctx.write_full(obj, b"data")
    attrs = {
        "a": b"1",
        "b.bin": b"\0\1\2\0",
        "empty": b"",
        "large": os.urandom(10000),   # larger than the binding's first buffer
    }
    for k, v in attrs.items():
        assert ioctx.set_xattr(obj, k, v) is True
    for k, v in attrs.items():
        assert ioctx.get_xattr(obj, k) == v
    got = list(ioctx.get_xattrs(obj))
    assert sorted(k for k, _ in got) == sorted(attrs)
    assert dict(got) == attrs
    ioctx.set_xattr(obj, "a", b"replaced")
    assert ioctx.get_xattr(obj, "a") == b"replaced"

    with pytest.raises(rados.NoData) as ei:
        ioctx.get_xattr(obj, "missing")
    assert ei.value.errno == errno.ENODATA
    assert ioctx.rm_xattr(obj, "a") is True
    with pytest.raises(rados.NoData):
        ioctx.get_xattr(obj, "a")
    assert sorted(k for k, _ in ioctx.get_xattrs(obj)) == ["b.bin", "empty", "large"]
    # Ceph removes a missing attribute without complaint.
    assert ioctx.rm_xattr(obj, "never-set") is True
    # The data is untouched.
    assert ioctx.read(obj) == b"data"

    missing = obj + "-missing"
    with pytest.raises(rados.ObjectNotFound):
        ioctx.get_xattr(missing, "a")
    with pytest.raises(rados.ObjectNotFound):
        ioctx.get_xattrs(missing)
    # set_xattr creates the object.
    ioctx.set_xattr(missing, "k", b"v")
    assert ioctx.stat(missing)[0] == 0
    assert list(ioctx.get_xattrs(missing)) == [("k", b"v")]


# ---- omap -------------------------------------------------------------------------


def omap_vals(ioctx, oid, start_after="", prefix="", max_return=1000):
    with rados.ReadOpCtx() as op:
        it, ret = ioctx.get_omap_vals(op, start_after, prefix, max_return)
        ioctx.operate_read_op(op, oid)
        assert ret == 0
        return list(it)


def test_omap(ioctx, obj):
    keys = ("a", "b", "c", "pre1", "pre2", "zz")
    vals = (b"1", b"2", b"", b"p1", b"\0p2\0", b"last")
    with rados.WriteOpCtx() as op:
        ioctx.set_omap(op, keys, vals)
        ioctx.operate_write_op(op, obj)
    # A zero-length value comes back as None (the library returns NULL for it).
    everything = [("a", b"1"), ("b", b"2"), ("c", None), ("pre1", b"p1"),
                  ("pre2", b"\0p2\0"), ("zz", b"last")]
    assert omap_vals(ioctx, obj) == everything
    assert omap_vals(ioctx, obj, max_return=2) == everything[:2]
    assert omap_vals(ioctx, obj, start_after="b") == everything[2:]
    assert omap_vals(ioctx, obj, start_after="b", max_return=1) == [("c", None)]
    assert omap_vals(ioctx, obj, prefix="pre") == [("pre1", b"p1"), ("pre2", b"\0p2\0")]
    assert omap_vals(ioctx, obj, start_after="pre1", prefix="pre") == [("pre2", b"\0p2\0")]
    assert omap_vals(ioctx, obj, prefix="nomatch") == []
    assert omap_vals(ioctx, obj, start_after="zz") == []

    with rados.ReadOpCtx() as op:
        it, _ = ioctx.get_omap_keys(op, "", 1000)
        ioctx.operate_read_op(op, obj)
        assert list(it) == [(k, None) for k in keys]
    with rados.ReadOpCtx() as op:
        it, _ = ioctx.get_omap_keys(op, "b", 2)
        ioctx.operate_read_op(op, obj)
        assert list(it) == [("c", None), ("pre1", None)]
    with rados.ReadOpCtx() as op:
        it, _ = ioctx.get_omap_vals_by_keys(op, ("zz", "a", "missing"))
        ioctx.operate_read_op(op, obj)
        assert list(it) == [("a", b"1"), ("zz", b"last")]

    # Several omap reads in one op.
    with rados.ReadOpCtx() as op:
        it1, _ = ioctx.get_omap_vals(op, "", "pre", 10)
        it2, _ = ioctx.get_omap_keys(op, "pre2", 10)
        ioctx.operate_read_op(op, obj)
        assert list(it1) == [("pre1", b"p1"), ("pre2", b"\0p2\0")]
        assert list(it2) == [("zz", None)]

    with rados.WriteOpCtx() as op:
        ioctx.remove_omap_keys(op, ("a", "pre2", "not-there"))
        ioctx.operate_write_op(op, obj)
    assert [k for k, _ in omap_vals(ioctx, obj)] == ["b", "c", "pre1", "zz"]

    with rados.WriteOpCtx() as op:
        ioctx.remove_omap_range2(op, "b", "pre1")    # [b, pre1)
        ioctx.operate_write_op(op, obj)
    assert [k for k, _ in omap_vals(ioctx, obj)] == ["pre1", "zz"]

    with rados.WriteOpCtx() as op:
        ioctx.clear_omap(op)
        ioctx.operate_write_op(op, obj)
    assert omap_vals(ioctx, obj) == []
    ioctx.stat(obj)                                  # the object itself remains

    with rados.ReadOpCtx() as op:
        ioctx.get_omap_vals(op, "", "", 10)
        with pytest.raises(rados.ObjectNotFound):
            ioctx.operate_read_op(op, obj + "-missing")


def test_omap_cmp(ioctx, obj):
    with rados.WriteOpCtx() as op:
        ioctx.set_omap(op, ("k",), (b"m",))
        ioctx.operate_write_op(op, obj)

    def guarded(key, val, cmp_op, newkey):
        with rados.WriteOpCtx() as op:
            op.omap_cmp(key, val, cmp_op)
            ioctx.set_omap(op, (newkey,), (b"set",))
            ioctx.operate_write_op(op, obj)

    # Passes iff stored <op> given.
    guarded("k", "m", rados.LIBRADOS_CMPXATTR_OP_EQ, "eq")
    guarded("k", "a", rados.LIBRADOS_CMPXATTR_OP_GT, "gt")
    guarded("k", "z", rados.LIBRADOS_CMPXATTR_OP_LT, "lt")
    guarded("k", "x", rados.LIBRADOS_CMPXATTR_OP_NE, "ne")
    for key, val, cmp_op in (("k", "x", rados.LIBRADOS_CMPXATTR_OP_EQ),
                             ("k", "z", rados.LIBRADOS_CMPXATTR_OP_GT),
                             ("k", "m", rados.LIBRADOS_CMPXATTR_OP_NE),
                             ("absent", "m", rados.LIBRADOS_CMPXATTR_OP_EQ)):
        with pytest.raises(rados.OSError) as ei:
            guarded(key, val, cmp_op, "never")
        assert ei.value.errno == errno.ECANCELED
    assert [k for k, _ in omap_vals(ioctx, obj)] == ["eq", "gt", "k", "lt", "ne"]


# ---- compound write ops ---------------------------------------------------------------


def test_write_op(ioctx, obj):
    with rados.WriteOpCtx() as op:
        op.new(rados.LIBRADOS_CREATE_EXCLUSIVE)
        op.write(b"abcdef")
        op.set_xattr("x", b"1")
        ioctx.operate_write_op(op, obj)
        assert ioctx.read(obj) == b"abcdef"
        assert ioctx.get_xattr(obj, "x") == b"1"
        # The op is reused: each operate applies only the steps added since the
        # last one (the exclusive create above is not repeated).
        op.write(b"XY", 1)
        ioctx.operate_write_op(op, obj)
        assert ioctx.read(obj) == b"aXYdef"
        op.append(b"gh")
        ioctx.operate_write_op(op, obj)
        assert ioctx.read(obj) == b"aXYdefgh"
        op.truncate(5)
        ioctx.operate_write_op(op, obj)
        assert ioctx.read(obj) == b"aXYde"
        op.write_full(b"0123456789")
        ioctx.operate_write_op(op, obj)
        assert ioctx.read(obj) == b"0123456789"
        # The binding passes zero()'s arguments swapped to rados_write_op_zero
        # (length as offset), so zero(2, 2) is the only unambiguous form.
        op.zero(2, 2)
        ioctx.operate_write_op(op, obj)
        assert ioctx.read(obj) == b"01\0\0" + b"456789"
        op.zero(3, 1)                      # = rados_write_op_zero(off 1, len 3)
        ioctx.operate_write_op(op, obj)
        assert ioctx.read(obj) == b"0\0\0\0" + b"456789"
        op.zero(4, 100)                    # off 100 is past EOF: nothing
        ioctx.operate_write_op(op, obj)
        assert ioctx.read(obj) == b"0\0\0\0" + b"456789"
        op.writesame(b"ab", 4, 8)
        ioctx.operate_write_op(op, obj)
        assert ioctx.read(obj) == b"0\0\0\0" + b"4567abab"
        op.rm_xattr("x")
        ioctx.operate_write_op(op, obj)
        with pytest.raises(rados.NoData):
            ioctx.get_xattr(obj, "x")

        op.new(rados.LIBRADOS_CREATE_EXCLUSIVE)
        op.write(b"never")
        with pytest.raises(rados.ObjectExists) as ei:
            ioctx.operate_write_op(op, obj)
        assert ei.value.errno == errno.EEXIST
        assert ioctx.read(obj) == b"0\0\0\0" + b"4567abab"   # all or nothing

        op.new(rados.LIBRADOS_CREATE_IDEMPOTENT)
        ioctx.operate_write_op(op, obj)
        assert ioctx.stat(obj)[0] == 12

        op.remove()
        ioctx.operate_write_op(op, obj)
        with pytest.raises(rados.ObjectNotFound):
            ioctx.stat(obj)


def test_write_op_atomic(ioctx, obj):
    """A failing step undoes the whole op."""
    ioctx.write_full(obj, b"keep")
    with rados.WriteOpCtx() as op:
        op.write_full(b"lost")
        ioctx.set_omap(op, ("k",), (b"v",))
        op.omap_cmp("absent", "x", rados.LIBRADOS_CMPXATTR_OP_EQ)
        with pytest.raises(rados.OSError) as ei:
            ioctx.operate_write_op(op, obj)
    assert ei.value.errno == errno.ECANCELED
    assert ioctx.read(obj) == b"keep"
    assert omap_vals(ioctx, obj) == []


def test_aio_write_op(ioctx, obj):
    w = Waiter()
    with rados.WriteOpCtx() as op:
        op.write_full(b"async op")
        ioctx.set_omap(op, ("k",), (b"v",))
        c = ioctx.operate_aio_write_op(op, obj, oncomplete=w.record)
        c.wait_for_complete_and_cb()
    assert len(w.wait()) == 1
    assert c.get_return_value() == 0
    assert ioctx.read(obj) == b"async op"
    w2 = Waiter()
    with rados.ReadOpCtx() as op:
        it, _ = ioctx.get_omap_vals(op, "", "", 10)
        c = ioctx.operate_aio_read_op(op, obj, oncomplete=w2.record)
        c.wait_for_complete_and_cb()
        assert c.get_return_value() == 0
        assert list(it) == [("k", b"v")]


# ---- listing, namespaces, locators ---------------------------------------------------------


def test_list_namespaces(fresh_pool):
    _, io = fresh_pool
    assert list(io.list_objects()) == []
    layout = {"": ["a", "b", "shared"], "ns1": ["a", "c", "shared"], "ns2": ["d"]}
    for ns, names in layout.items():
        io.set_namespace(ns)
        assert io.get_namespace() == ns
        for n in names:
            io.write_full(n, ("%s/%s" % (ns, n)).encode())
    for ns, names in layout.items():
        io.set_namespace(ns)
        got = [(o.nspace, o.key) for o in io.list_objects()]
        assert sorted(got) == sorted((ns, n) for n in names)
        for n in names:
            assert io.read(n) == ("%s/%s" % (ns, n)).encode()
    io.set_namespace("ns2")
    with pytest.raises(rados.ObjectNotFound):
        io.read("a")
    io.set_namespace(rados.LIBRADOS_ALL_NSPACES)
    got = [(o.nspace, o.key) for o in io.list_objects()]
    assert len(got) == 7
    assert sorted(got) == sorted((ns, n) for ns, names in layout.items() for n in names)
    io.set_namespace("")


def test_list_many(fresh_pool):
    """Every object exactly once across the pool's PGs."""
    _, io = fresh_pool
    names = {"obj-%03d" % i for i in range(150)}
    comps = [io.aio_write_full(n, n.encode()) for n in sorted(names)]
    io.aio_flush()
    assert all(c.get_return_value() == 0 for c in comps)
    got = [o.key for o in io.list_objects()]
    assert len(got) == len(names)
    assert set(got) == names
    # Objects read back through the listing's Object handles.
    o = next(iter(io.list_objects()))
    assert o.read() == o.key.encode()


def test_locator_keys(ioctx, obj):
    ioctx.set_locator_key("loc-" + obj)
    assert ioctx.get_locator_key() == "loc-" + obj
    ioctx.write_full(obj, b"with locator")
    ioctx.set_xattr(obj, "x", b"1")
    ioctx.set_locator_key("")
    assert ioctx.get_locator_key() == ""
    # The locator is part of the object's identity.
    with pytest.raises(rados.ObjectNotFound):
        ioctx.read(obj)
    ioctx.write_full(obj, b"no locator")
    assert ioctx.read(obj) == b"no locator"
    ioctx.set_locator_key("loc-" + obj)
    assert ioctx.read(obj) == b"with locator"
    assert ioctx.get_xattr(obj, "x") == b"1"
    assert ioctx.remove_object(obj)
    with pytest.raises(rados.ObjectNotFound):
        ioctx.read(obj)
    ioctx.set_locator_key("")
    assert ioctx.read(obj) == b"no locator"


def test_list_returns_locator(fresh_pool):
    _, io = fresh_pool
    io.set_locator_key("L")
    io.write_full("with", b"1")
    io.set_locator_key("")
    io.write_full("without", b"2")
    got = sorted((o.key, o.locator_key) for o in io.list_objects())
    assert got == [("with", "L"), ("without", None)]


# ---- aio ------------------------------------------------------------------------------


def test_aio_write_read_callbacks(ioctx, obj):
    seen = []
    w = Waiter()

    def on_write(comp):
        seen.append((comp.is_complete(), comp.get_return_value()))
        w.record(comp)

    c = ioctx.aio_write(obj, b"0123456789", 0, oncomplete=on_write)
    c.wait_for_complete_and_cb()
    # wait_for_complete_and_cb returns only after the callback returned.
    assert seen == [(True, 0)]
    assert c.is_complete()
    assert c.get_return_value() == 0
    assert w.wait()[0][0] is c

    c = ioctx.aio_write(obj, b"ab", 4, oncomplete=w.record)
    c.wait_for_complete_and_cb()
    assert ioctx.read(obj) == b"0123ab6789"

    reads = Waiter()
    c = ioctx.aio_read(obj, 4, 2, oncomplete=reads.record)
    c.wait_for_complete_and_cb()
    comp, data = reads.wait()[0]
    assert comp is c and data == b"23ab"
    assert c.get_return_value() == 4
    c = ioctx.aio_read(obj, 100, 8, oncomplete=reads.record)   # short read at EOF
    c.wait_for_complete_and_cb()
    assert reads.wait(2)[1][1] == b"89"
    assert c.get_return_value() == 2
    c = ioctx.aio_read(obj, 10, 500, oncomplete=reads.record)  # past EOF
    c.wait_for_complete_and_cb()
    reads.wait(3)
    # 0 bytes (the binding then hands over its unshrunk 10-byte buffer, so the
    # data passed to the callback is not checked).
    assert c.get_return_value() == 0
    c = ioctx.aio_read(obj + "-missing", 10, 0, oncomplete=reads.record)
    c.wait_for_complete_and_cb()
    assert reads.wait(4)[3][1] is None
    assert c.is_complete()
    assert c.get_return_value() == -errno.ENOENT


def test_aio_write_full_append_stat_remove(ioctx, obj):
    w = Waiter()
    ioctx.aio_write_full(obj, b"full", oncomplete=w.record).wait_for_complete_and_cb()
    ioctx.aio_append(obj, b"+app", oncomplete=w.record).wait_for_complete_and_cb()
    assert ioctx.read(obj) == b"full+app"
    ioctx.aio_write_full(obj, b"F", oncomplete=w.record).wait_for_complete_and_cb()
    assert ioctx.read(obj) == b"F"
    assert len(w.wait(3)) == 3

    stats = Waiter()
    c = ioctx.aio_stat(obj, stats.record)
    c.wait_for_complete_and_cb()
    comp, size, mtime = stats.wait()[0]
    assert comp is c and size == 1
    assert isinstance(mtime, time.struct_time)
    assert abs(time.mktime(mtime) - time.time()) < 120
    c = ioctx.aio_stat(obj + "-missing", stats.record)
    c.wait_for_complete_and_cb()
    assert stats.wait(2)[1][1:] == (None, None)
    assert c.get_return_value() == -errno.ENOENT

    rm = Waiter()
    c = ioctx.aio_remove(obj, oncomplete=rm.record)
    c.wait_for_complete_and_cb()
    assert c.get_return_value() == 0
    with pytest.raises(rados.ObjectNotFound):
        ioctx.stat(obj)
    c = ioctx.aio_remove(obj, oncomplete=rm.record)
    c.wait_for_complete_and_cb()
    assert c.get_return_value() == -errno.ENOENT
    assert len(rm.wait(2)) == 2


def test_aio_xattr_writesame_cmpext(ioctx, obj):
    w = Waiter()
    ioctx.aio_writesame(obj, b"xy", 6, 0, oncomplete=w.record).wait_for_complete_and_cb()
    assert ioctx.read(obj) == b"xyxyxy"
    ioctx.aio_setxattr(obj, "a", b"v", oncomplete=w.record).wait_for_complete_and_cb()
    assert ioctx.get_xattr(obj, "a") == b"v"
    ioctx.aio_rmxattr(obj, "a", oncomplete=w.record).wait_for_complete_and_cb()
    with pytest.raises(rados.NoData):
        ioctx.get_xattr(obj, "a")
    c = ioctx.aio_cmpext(obj, b"xyxy", 2, oncomplete=w.record)
    c.wait_for_complete_and_cb()
    assert c.get_return_value() == 0
    c = ioctx.aio_cmpext(obj, b"xyQ", 2, oncomplete=w.record)
    c.wait_for_complete_and_cb()
    assert c.get_return_value() == -(rados.MAX_ERRNO + 2)
    assert len(w.wait(5)) == 5


def test_aio_no_callbacks_wait_and_flush(ioctx, obj):
    comps = [ioctx.aio_write(obj + "-%d" % i, b"v%d" % i) for i in range(20)]
    comps[0].wait_for_complete()
    assert comps[0].is_complete()
    ioctx.aio_flush()
    for i, c in enumerate(comps):
        assert c.is_complete()
        assert c.get_return_value() == 0
        assert ioctx.read(obj + "-%d" % i) == b"v%d" % i


def test_aio_completion_dropped_without_wait(ioctx, obj):
    """Completions released (Python objects dropped) while their ops are in flight."""
    for i in range(20):
        ioctx.aio_write_full(obj, b"gen %d" % i)       # completion dropped at once
    ioctx.aio_flush()
    assert ioctx.read(obj) == b"gen 19"


def test_aio_completion_dropped_in_callback(ioctx, obj):
    """python3-rados releases the completion inside its own callback when nothing
    else references it (upstream test_aio_write_no_comp_ref)."""
    lock = threading.Condition()
    count = [0]
    seen_complete = []

    def cb(comp):
        seen_complete.append(comp.is_complete())
        with lock:
            count[0] += 1
            lock.notify()

    for i in range(10):
        # No reference kept: only the ioctx's list holds the Completion until
        # the callback has run; dropping it then calls rados_aio_release from
        # inside the library's callback.
        ioctx.aio_write("%s-%d" % (obj, i), b"bar", 0, cb, cb)
    with lock:
        assert lock.wait_for(lambda: count[0] >= 20, timeout=WAIT), count
    assert seen_complete == [True] * 20
    for i in range(10):
        assert ioctx.read("%s-%d" % (obj, i)) == b"bar"
    time.sleep(0.2)
    assert count[0] == 20                               # each callback exactly once


def test_aio_ioctx_closed_with_ops_in_flight(cluster, obj):
    """Ceph keeps an ioctx alive while its ops are in flight."""
    w = Waiter()
    io = cluster.open_ioctx("rbd")
    for i in range(20):
        io.aio_write_full("%s-%d" % (obj, i), b"v%d" % i, oncomplete=w.record)
    io.close()
    calls = w.wait(20)
    assert all(c[0].get_return_value() == 0 for c in calls)
    with cluster.open_ioctx("rbd") as io2:
        for i in range(20):
            assert io2.read("%s-%d" % (obj, i)) == b"v%d" % i


def test_no_callbacks_after_shutdown(obj):
    """Completion callbacks do not run once rados_shutdown has returned."""
    w = Waiter()
    r = rados.Rados(conffile=CONF)
    r.connect(timeout=30)
    io = r.open_ioctx("rbd")
    for i in range(30):
        io.aio_write_full("%s-%d" % (obj, i), b"x" * 1000, oncomplete=w.record)
    r.shutdown()
    n = len(w.calls)
    time.sleep(1)
    assert len(w.calls) == n


def test_aio_per_object_order(ioctx, obj):
    """Ops from one client to one object apply in submission order."""
    for i in range(25):
        name = "%s-%d" % (obj, i)
        c1 = ioctx.aio_write(name, b"bar")
        c2 = ioctx.aio_append(name, b"baz")
        c2.wait_for_complete()
        c1.wait_for_complete()
        assert ioctx.read(name) == b"barbaz"
        c1 = ioctx.aio_write(name, b"barbaz")
        c2 = ioctx.aio_write_full(name, b"bar")
        c3 = ioctx.aio_append(name, b"!")
        for c in (c1, c2, c3):
            c.wait_for_complete()
        assert ioctx.read(name) == b"bar!"


def test_aio_many_threads(cluster, ioctx, obj):
    """Threads sharing one Rados handle and one Ioctx, aio with callbacks."""
    nthreads, nops = 4, 40
    lock = threading.Lock()
    write_cb = {}
    read_cb = {}
    read_data = {}
    bad = []
    errors = []

    def payload(t, i):
        return (b"%d:%d:" % (t, i)) * (1 + (t * nops + i) % 200)

    def worker(t):
        try:
            done = threading.Semaphore(0)

            def on_write(comp, key):
                with lock:
                    write_cb[key] = write_cb.get(key, 0) + 1
                if not comp.is_complete() or comp.get_return_value() != 0:
                    bad.append(("write", key, comp.get_return_value()))
                done.release()

            def on_read(comp, data, key):
                with lock:
                    read_cb[key] = read_cb.get(key, 0) + 1
                    read_data[key] = data
                if not comp.is_complete():
                    bad.append(("read", key))
                done.release()

            keep = []
            for i in range(nops):
                key = (t, i)
                keep.append(ioctx.aio_write_full(
                    "%s-%d-%d" % (obj, t, i), payload(t, i),
                    oncomplete=lambda c, key=key: on_write(c, key)))
            for _ in range(nops):
                assert done.acquire(timeout=WAIT), "thread %d: a write callback is missing" % t
            for i in range(nops):
                key = (t, i)
                keep.append(ioctx.aio_read(
                    "%s-%d-%d" % (obj, t, i), 65536, 0,
                    oncomplete=lambda c, d, key=key: on_read(c, d, key)))
                # Sync calls interleaved with the other threads' aio.
                if i % 10 == 0:
                    assert ioctx.read("%s-%d-%d" % (obj, t, i), 65536) == payload(t, i)
            for _ in range(nops):
                assert done.acquire(timeout=WAIT), "thread %d: a read callback is missing" % t
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append((t, repr(e)))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(nthreads)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(WAIT * 3)
        assert not th.is_alive()
    assert errors == []
    assert bad == []
    time.sleep(0.2)    # a late duplicate callback would show up now
    every = {(t, i) for t in range(nthreads) for i in range(nops)}
    assert write_cb == {k: 1 for k in every}
    assert read_cb == {k: 1 for k in every}
    for (t, i) in every:
        assert read_data[(t, i)] == payload(t, i)


# ---- pool stats, applications ---------------------------------------------------------


def test_pool_get_stats(fresh_pool):
    _, io = fresh_pool
    st = io.get_stats()
    assert set(st) == {"num_bytes", "num_kb", "num_objects", "num_object_clones",
                       "num_object_copies", "num_objects_missing_on_primary",
                       "num_objects_unfound", "num_objects_degraded", "num_rd",
                       "num_rd_kb", "num_wr", "num_wr_kb"}
    assert st["num_objects"] == 0 and st["num_bytes"] == 0
    sizes = [1000, 1000, 3000, 0, 4096]
    for i, s in enumerate(sizes):
        io.write_full("s%d" % i, b"x" * s)
    st = poll("pool stats to show 5 objects",
              lambda: (lambda s: s if s["num_objects"] == 5 else None)(io.get_stats()))
    assert st["num_bytes"] == sum(sizes)
    assert st["num_kb"] == (sum(sizes) + 1023) // 1024
    assert st["num_object_copies"] == 15                   # size 3
    assert st["num_object_clones"] == 0
    assert st["num_objects_missing_on_primary"] == 0
    assert st["num_objects_unfound"] == 0
    assert st["num_objects_degraded"] == 0
    # Client I/O: 5 writes, then 5 whole-object reads, as the primaries count them.
    for i, s in enumerate(sizes):
        assert len(io.read("s%d" % i, 8192)) == s
    kb = (sum(sizes) + 1023) // 1024
    st = poll("pool stats to count 5 writes and 5 reads",
              lambda: (lambda s: s if s["num_rd"] == 5 else None)(io.get_stats()))
    assert (st["num_wr"], st["num_wr_kb"], st["num_rd_kb"]) == (5, kb, kb)


def test_applications(fresh_pool):
    _, io = fresh_pool
    assert io.application_list() == []
    io.application_enable("app1")
    io.application_enable("app1")                            # idempotent
    assert io.application_list() == ["app1"]
    with pytest.raises(rados.PermissionError) as ei:
        io.application_enable("app2")
    assert ei.value.errno == errno.EPERM
    assert io.application_list() == ["app1"]
    io.application_enable("app2", True)
    assert sorted(io.application_list()) == ["app1", "app2"]

    assert io.application_metadata_list("app1") == []
    io.application_metadata_set("app1", "k1", "v1")
    io.application_metadata_set("app1", "k2", "v2")
    io.application_metadata_set("app1", "k1", "v1b")
    assert io.application_metadata_get("app1", "k1") == "v1b"
    assert sorted(io.application_metadata_list("app1")) == [("k1", "v1b"), ("k2", "v2")]
    assert io.application_metadata_list("app2") == []
    long_value = "v" * 128                                   # Ceph's longest value
    io.application_metadata_set("app2", "long", long_value)
    assert io.application_metadata_get("app2", "long") == long_value
    io.application_metadata_remove("app1", "k1")
    assert io.application_metadata_list("app1") == [("k2", "v2")]
    with pytest.raises(KeyError):                            # the binding's -ENOENT
        io.application_metadata_get("app1", "k1")
    with pytest.raises(rados.ObjectNotFound):
        io.application_metadata_set("not-enabled", "k", "v")
    with pytest.raises(rados.ObjectNotFound):
        io.application_metadata_list("not-enabled")


# ---- commands -----------------------------------------------------------------------


def test_mon_command(cluster):
    ret, out, outs = cluster.mon_command(json.dumps({"prefix": "osd dump", "format": "json"}), b"")
    assert ret == 0
    d = json.loads(out)
    assert d["fsid"] == cluster.get_fsid()
    assert d["epoch"] > 0
    pools = {p["pool_name"]: p["pool"] for p in d["pools"]}
    assert pools["rbd"] == cluster.pool_lookup("rbd")
    assert sorted(o["osd"] for o in d["osds"]) == [0, 1, 2]
    assert all(o["up"] == 1 and o["in"] == 1 for o in d["osds"])

    ret, out, outs = cluster.mon_command(json.dumps({"prefix": "no such command"}), b"")
    assert ret == -errno.EINVAL
    assert out == b""
    assert outs.startswith("command not known")

    # Targeted at a peon (the library rides out its lease renewals).
    ret, out, outs = cluster.mon_command(
        json.dumps({"prefix": "mon dump", "format": "json"}), b"", target="b")
    assert ret == 0, outs
    assert [m["name"] for m in json.loads(out)["mons"]] == ["a", "b", "c"]
    ret, out, outs = cluster.mon_command(json.dumps({"prefix": "mon dump"}), b"", target="zz")
    assert ret == -errno.ENOENT


def test_mon_command_target_rank(cluster):
    ret, out, _ = cluster.mon_command(json.dumps({"prefix": "mon dump", "format": "json"}),
                                      b"", target=1)
    assert ret == 0
    assert json.loads(out)["mons"][1]["name"] == "b"


def test_mon_command_target_peon_during_commits(cluster):
    stop = threading.Event()
    done = []

    def churn():
        with rados.Rados(conffile=CONF) as r:
            i = 0
            while not stop.is_set():
                name = new_name("py-churn-%d" % i)
                r.create_pool(name)
                r.delete_pool(name)
                i += 1
                done.append(i)

    th = threading.Thread(target=churn)
    th.start()
    results = []
    try:
        end = time.monotonic() + 20
        while (len(results) < 300 or len(done) < 5) and time.monotonic() < end:
            for mon in ("b", "c"):
                ret, _, outs = cluster.mon_command(
                    json.dumps({"prefix": "mon dump", "format": "json"}), b"", target=mon)
                results.append((mon, ret, outs))
    finally:
        stop.set()
        th.join(60)
    assert len(done) >= 1
    assert [x for x in results if x[1] != 0] == []


def test_osd_command(cluster):
    for osd in (0, 1, 2):
        ret, out, outs = cluster.osd_command(osd, json.dumps({"prefix": "perf dump"}), b"")
        assert ret == 0, outs
        d = json.loads(out)
        assert "op_w" in d["osd"] and "op_r" in d["osd"]


def test_pg_command(cluster):
    pool = cluster.pool_lookup("rbd")
    for seed in (0, 15):
        pgid = "%d.%x" % (pool, seed)
        ret, out, outs = cluster.pg_command(pgid, json.dumps({"prefix": "query", "pgid": pgid}), b"")
        assert ret == 0, outs
        d = json.loads(out)
        assert d["state"] == "active+clean"
        assert d["info"]["pgid"] == pgid
        assert len(d["acting"]) == 3 and sorted(d["acting"]) == [0, 1, 2]
        assert d["acting_primary"] == d["acting"][0]


def test_command_targets_errors(cluster):
    perf = json.dumps({"prefix": "perf dump"})
    # No such OSD, no such pool, an unparsable pgid: the call's own errors, with lengths filled.
    assert cluster.osd_command(99, perf, b"")[0] == -errno.ENOENT
    assert cluster.pg_command("999.0", perf, b"")[0] == -errno.ENOENT
    assert cluster.pg_command("not-a-pg", perf, b"")[0] == -errno.EINVAL
    # A command the OSD does not know: its error and message come back.
    ret, out, outs = cluster.osd_command(0, json.dumps({"prefix": "no such thing"}), b"")
    assert ret == -errno.ENOSYS and out == b"" and "unknown command" in outs
    # No manager daemons: a targeted manager command finds none; an untargeted one is served.
    assert cluster.mgr_command(perf, b"", target="x")[0] == -errno.ENOENT
    ret, out, _ = cluster.mgr_command(json.dumps({"prefix": "df", "format": "json"}), b"")
    assert ret == 0 and "pools" in json.loads(out)


def test_ping_monitor(cluster):
    ret, out, _ = cluster.mon_command(json.dumps({"prefix": "mon dump", "format": "json"}), b"")
    assert ret == 0
    names = [m["name"] for m in json.loads(out)["mons"]]
    assert names == ["a", "b", "c"]
    for n in names:
        d = json.loads(cluster.ping_monitor(n))
        assert "health" in d
        assert d["health"]["status"].startswith("HEALTH_")
    with pytest.raises(rados.ObjectNotFound):
        cluster.ping_monitor("nosuchmon")


# ---- what Cairn does not support --------------------------------------------------------


def assert_eopnotsupp(fn, *args):
    with pytest.raises(rados.OSError) as ei:
        fn(*args)
    # The binding has no class of its own for EOPNOTSUPP: plain rados.OSError.
    assert type(ei.value) is rados.OSError
    assert ei.value.errno == errno.EOPNOTSUPP


def test_unsupported(ioctx, obj):
    ioctx.write_full(obj, b"x")
    # Snapshots.
    assert_eopnotsupp(ioctx.create_snap, "snap")
    assert_eopnotsupp(ioctx.create_self_managed_snap)
    assert list(ioctx.list_snaps()) == []
    with pytest.raises(rados.ObjectNotFound):
        ioctx.lookup_snap("snap")
    with pytest.raises(rados.ObjectNotFound):
        ioctx.remove_snap("snap")
    # Watch/notify.
    assert_eopnotsupp(ioctx.watch, obj, lambda *a: None)
    assert_eopnotsupp(ioctx.notify, obj, "msg")
    # Locks.
    assert_eopnotsupp(ioctx.lock_exclusive, obj, "lock", "cookie")
    assert_eopnotsupp(ioctx.lock_shared, obj, "lock", "cookie", "tag")
    assert_eopnotsupp(ioctx.unlock, obj, "lock", "cookie")
    # Object classes.
    assert_eopnotsupp(ioctx.execute, obj, "hello", "say_hello", b"")
    # The object is untouched by all of the above.
    assert ioctx.read(obj) == b"x"
