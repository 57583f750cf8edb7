"""The same random operations on the mount and on a local directory must give the same results."""
import errno, hashlib, os, random, sys

a, b, seed, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
names = ["a", "b", "c", "d"]


def paths():
    out = [""]
    for dirpath, dirnames, _ in os.walk(b):
        rel = os.path.relpath(dirpath, b)
        for d in dirnames:
            out.append(os.path.normpath(os.path.join(rel, d)))
    return out


def run(root, op, args):
    try:
        p = [os.path.join(root, x) if isinstance(x, str) and not x.startswith("data:") else x for x in args]
        if op == "mkdir":
            os.mkdir(p[0])
        elif op == "write":
            with open(p[0], "r+b" if os.path.exists(p[0]) else "wb") as f:
                f.seek(args[1])
                f.write(args[2])
        elif op == "append":
            with open(p[0], "ab") as f:
                f.write(args[1])
        elif op == "truncate":
            os.truncate(p[0], args[1])
        elif op == "read":
            with open(p[0], "rb") as f:
                f.seek(args[1])
                return hashlib.md5(f.read(args[2])).hexdigest()
        elif op == "unlink":
            os.unlink(p[0])
        elif op == "rmdir":
            os.rmdir(p[0])
        elif op == "rename":
            os.rename(p[0], p[1])
        elif op == "link":
            os.link(p[0], p[1])
        elif op == "symlink":
            os.symlink(args[0], p[1])
        elif op == "chmod":
            os.chmod(p[0], args[1])
        elif op == "stat":
            s = os.lstat(p[0])
            return (s.st_mode, s.st_size if not os.path.isdir(p[0]) else 0, s.st_nlink)
        elif op == "listdir":
            return sorted(os.listdir(p[0]))
        return "ok"
    except OSError as e:
        return "errno " + errno.errorcode.get(e.errno, str(e.errno))


def tree(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for f in sorted(filenames):
            full = os.path.join(dirpath, f)
            if os.path.islink(full):
                out.append((os.path.join(rel, f), "link", os.readlink(full)))
            else:
                with open(full, "rb") as h:
                    out.append((os.path.join(rel, f), oct(os.stat(full).st_mode), hashlib.md5(h.read()).hexdigest(), os.stat(full).st_nlink))
        for d in sorted(dirnames):
            out.append((os.path.join(rel, d), "dir", oct(os.stat(os.path.join(dirpath, d)).st_mode)))
    return sorted(out)


for step in range(steps):
    d = rnd.choice(paths())
    n = os.path.join(d, rnd.choice(names))
    m = os.path.join(rnd.choice(paths()), rnd.choice(names))
    op = rnd.choice(["mkdir", "write", "write", "append", "truncate", "read", "unlink", "rmdir", "rename", "rename", "link", "symlink", "chmod", "stat", "listdir"])
    if op == "write":
        args = (n, rnd.randrange(0, 200000), os.urandom(rnd.randrange(1, 70000)))
    elif op == "append":
        args = (n, os.urandom(rnd.randrange(1, 5000)))
    elif op == "truncate":
        args = (n, rnd.randrange(0, 300000))
    elif op == "read":
        args = (n, rnd.randrange(0, 200000), rnd.randrange(1, 100000))
    elif op in ("rename", "link"):
        args = (n, m)
    elif op == "symlink":
        args = ("target-" + rnd.choice(names), n)
    elif op == "chmod":
        args = (n, rnd.choice([0o644, 0o600, 0o755, 0o700]))
    elif op == "listdir":
        args = (d,)
    else:
        args = (n,)
    ra = run(a, op, args)
    rb = run(b, op, args)
    if ra != rb:
        print("step %d: %s%r: mount %r, local %r" % (step, op, tuple(x if not isinstance(x, bytes) else len(x) for x in args), ra, rb))
        sys.exit(1)
ta, tb = tree(a), tree(b)
if ta != tb:
    print("final trees differ:\n mount %r\n local %r" % (ta[:20], tb[:20]))
    sys.exit(1)
print("ok %d steps, %d entries" % (steps, len(ta)))
