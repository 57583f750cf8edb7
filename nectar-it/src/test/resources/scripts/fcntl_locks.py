"""POSIX byte-range locks between two processes: conflicts, disjoint ranges, F_GETLK holder."""
import fcntl, os, struct, sys, time

path = sys.argv[1]
open(path, "w").close()
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    fd = os.open(path, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX, 100, 0)  # bytes [0, 100)
    os.write(w, b"x")
    time.sleep(3)
    os._exit(0)
os.read(r, 1)
fd = os.open(path, os.O_RDWR)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 10, 50)
    print("conflict not detected")
    sys.exit(1)
except OSError:
    pass
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 100, 200)  # disjoint: fine
q = struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 10, 0)
res = fcntl.fcntl(fd, fcntl.F_GETLK, q)
ltype, _, start, length, holder = struct.unpack("hhqqi", res)
if ltype != fcntl.F_WRLCK or holder != pid:
    print("F_GETLK reported type %d pid %d, expected the child %d" % (ltype, holder, pid))
    sys.exit(1)
t0 = time.time()
fcntl.lockf(fd, fcntl.LOCK_EX, 100, 0)  # blocks until the child exits
waited = time.time() - t0
os.waitpid(pid, 0)
print("ok waited %.2f s" % waited)
