"""The errno of operations in their error cases, as a program sees them on the mount."""
import errno, os, sys

root = sys.argv[1]
other_fs = sys.argv[2]
os.chdir(root)
failures = []


def expect(err, f, *a):
    try:
        r = f(*a)
        if hasattr(r, "close"):
            r.close()
    except OSError as e:
        if e.errno != err:
            failures.append("%s%r: errno %s, expected %s" % (f.__name__, a, errno.errorcode.get(e.errno), errno.errorcode[err]))
        return
    failures.append("%s%r: succeeded, expected %s" % (f.__name__, a, errno.errorcode[err]))


os.mkdir("e")
open("e/f", "w").close()
os.mkdir("e/d")
open("e/d/x", "w").close()
os.symlink("f", "e/link")
expect(errno.EEXIST, os.mkdir, "e")
expect(errno.ENOENT, os.stat, "e/nope")
expect(errno.ENOTDIR, os.stat, "e/f/x")
expect(errno.EISDIR, os.unlink, "e/d")
expect(errno.ENOTDIR, os.rmdir, "e/f")
expect(errno.ENOTEMPTY, os.rmdir, "e/d")
expect(errno.EINVAL, os.rename, "e/d", "e/d/sub")
expect(errno.ENOTDIR, os.rename, "e/d", "e/f")
expect(errno.EISDIR, os.rename, "e/f", "e/d")
expect(errno.ENAMETOOLONG, os.mkdir, "e/" + "x" * 256)
expect(errno.EEXIST, os.link, "e/f", "e/d/x")
expect(errno.EPERM, os.link, "e/d", "e/dl")
expect(errno.ENOENT, os.readlink, "e/nope")
expect(errno.EINVAL, os.readlink, "e/f")
expect(errno.EISDIR, open, "e/d", "w")
expect(errno.ENODATA, os.getxattr, "e/f", "user.none")
expect(errno.EXDEV, os.rename, "e/f", os.path.join(other_fs, "moved"))
expect(errno.EEXIST, os.open, "e/f", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
expect(errno.ENOENT, os.open, "e/nope/x", os.O_CREAT | os.O_WRONLY)
expect(errno.ELOOP, os.open, "e/link", os.O_RDONLY | os.O_NOFOLLOW)
pid = os.fork()
if pid == 0:
    os.setgid(65534)
    os.setuid(65534)
    expect(errno.EACCES, os.mkdir, "e/d/no")
    expect(errno.EACCES, open, "e/f", "w")
    expect(errno.EPERM, os.chmod, "e/f", 0o777)
    expect(errno.EPERM, os.chown, "e/f", 65534, 65534)
    expect(errno.EACCES, os.unlink, "e/d/x")
    print("\n".join(failures))
    os._exit(1 if failures else 0)
_, status = os.waitpid(pid, 0)
if status != 0:
    failures.append("unprivileged checks failed (see above)")
print("\n".join(failures) if failures else "ok")
