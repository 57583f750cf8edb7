/*
 * smallfiles: one phase of a small-file workload, timed, with THREADS POSIX threads.
 *
 *   smallfiles PHASE DIR NFILES SIZE THREADS
 *
 * PHASE is create (open O_CREAT + write SIZE bytes + close), stat, read (open + read to EOF +
 * close; the byte count is checked) or unlink. Thread t works on DIR/t<t>/f<i> for its share of
 * the NFILES files; create makes the thread directories and unlink removes them, both outside the
 * timed part. The threads start together at a barrier; the time is from the barrier to the last
 * thread's end. Prints one line: "PHASE FILES_PER_SECOND". Exit status 1 on any error, with the
 * failing path on stderr. Built by scripts/bench.sh (gcc -O2 -pthread).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum phase { CREATE, STAT, READ, UNLINK };

static enum phase phase;
static const char *dir;
static long nfiles, size;
static int nthreads;
static pthread_barrier_t start;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void fail(const char *what, const char *path) {
  fprintf(stderr, "smallfiles: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static int one(const char *path, char *buf) {
  struct stat st;
  int fd;
  switch (phase) {
    case CREATE:
      if ((fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644)) < 0) fail("open", path);
      for (long done = 0; done < size;) {
        ssize_t n = write(fd, buf + done, size - done);
        if (n <= 0) fail("write", path);
        done += n;
      }
      if (close(fd)) fail("close", path);
      return 0;
    case STAT:
      if (stat(path, &st)) fail("stat", path);
      if (st.st_size != size) { errno = EIO; fail("size differs:", path); }
      return 0;
    case READ: {
      long total = 0;
      ssize_t n;
      if ((fd = open(path, O_RDONLY)) < 0) fail("open", path);
      while ((n = read(fd, buf, size + 1)) > 0) total += n;
      if (n < 0) fail("read", path);
      if (close(fd)) fail("close", path);
      if (total != size) { errno = EIO; fail("short read:", path); }
      return 0;
    }
    case UNLINK:
      if (unlink(path)) fail("unlink", path);
      return 0;
  }
  return 0;
}

static void *worker(void *arg) {
  long t = (long) arg, from = nfiles * t / nthreads, to = nfiles * (t + 1) / nthreads;
  char sub[4096], path[4096 + 32];
  char *buf = malloc(size + 1);
  if (!buf) { perror("malloc"); exit(1); }
  for (long i = 0; i < size; i++) buf[i] = (char) (i * 31 + t);
  snprintf(sub, sizeof sub, "%s/t%ld", dir, t);
  if (phase == CREATE && mkdir(sub, 0755) && errno != EEXIST) fail("mkdir", sub);
  pthread_barrier_wait(&start);
  for (long i = from; i < to; i++) {
    snprintf(path, sizeof path, "%s/f%07ld", sub, i);
    one(path, buf);
  }
  pthread_barrier_wait(&start);
  if (phase == UNLINK && rmdir(sub)) fail("rmdir", sub);
  free(buf);
  return NULL;
}

int main(int argc, char **argv) {
  static const char *names[] = {"create", "stat", "read", "unlink"};
  if (argc != 6) {
    fprintf(stderr, "usage: smallfiles create|stat|read|unlink DIR NFILES SIZE THREADS\n");
    return 2;
  }
  int p = -1;
  for (int i = 0; i < 4; i++) if (!strcmp(argv[1], names[i])) p = i;
  dir = argv[2];
  nfiles = atol(argv[3]);
  size = atol(argv[4]);
  nthreads = atoi(argv[5]);
  if (p < 0 || nfiles <= 0 || size < 0 || nthreads <= 0) {
    fprintf(stderr, "smallfiles: bad arguments\n");
    return 2;
  }
  phase = (enum phase) p;
  pthread_barrier_init(&start, NULL, nthreads + 1);
  pthread_t *th = calloc(nthreads, sizeof *th);
  for (long t = 0; t < nthreads; t++) pthread_create(&th[t], NULL, worker, (void *) t);
  pthread_barrier_wait(&start);
  double t0 = now();
  pthread_barrier_wait(&start);
  double t1 = now();
  for (int t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
  printf("%s %.0f\n", names[p], nfiles / (t1 - t0));
  return 0;
}
