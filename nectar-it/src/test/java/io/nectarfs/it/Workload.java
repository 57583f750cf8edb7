package io.nectarfs.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A program that uses a mount the way a long training job does, for the takeover and crash tests
 * (issue #17): a writer appending checksummed 64-byte records with an fsync every eight, a reader
 * verifying {@code big} (which the test writes first) with its page cache dropped before every pass,
 * so its reads reach the server, a POSIX lock held on {@code locked}, and an open-but-unlinked file
 * read back on every pass. It runs as a separate python3 process, answers {@code status} on its
 * standard input with {@code records N reads N durable N lost N errors N} (then {@code first: TEXT}
 * when there is an error, so a failing test shows what the program saw), and at {@code stop}
 * checks the records file: every record an fsync acknowledged present, intact and in order. An
 * fsync that fails with EIO counts as {@code lost} (the documented answer to writes acknowledged and
 * lost with a killed worker); any other error counts in {@code errors}.
 */
final class Workload implements AutoCloseable {
  static final String TRY_LOCK = """
      import fcntl, os, sys
      fd = os.open(sys.argv[1], os.O_RDWR)
      try:
          fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
          print('locked')
      except OSError as e:
          print('refused errno %d' % e.errno)
      """;

  private static final String SCRIPT = """
      import fcntl, os, sys, threading, zlib, hashlib, signal, errno
      signal.alarm(1800)
      mnt = sys.argv[1]
      errors, stop, lock = [], threading.Event(), threading.Lock()
      counts = {'records': 0, 'reads': 0, 'durable': 0, 'lost_batches': 0}
      durable = []   # [first, end) seq ranges acknowledged by a successful fsync
      def say(s): print(s, flush=True)
      big = open(os.path.join(mnt, 'big'), 'rb').read()
      want = hashlib.sha256(big).hexdigest()
      l = os.open(os.path.join(mnt, 'locked'), os.O_RDWR | os.O_CREAT, 0o644)
      fcntl.lockf(l, fcntl.LOCK_EX | fcntl.LOCK_NB)
      u = os.open(os.path.join(mnt, 'unlinked'), os.O_RDWR | os.O_CREAT, 0o644)
      os.write(u, b'kept by the open descriptor' * 100); os.fsync(u)
      os.unlink(os.path.join(mnt, 'unlinked'))
      w = os.open(os.path.join(mnt, 'records'), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
      def writer():
          seq, first = 0, 0
          try:
              while not stop.is_set():
                  body = seq.to_bytes(8, 'big') + os.urandom(52)
                  os.write(w, body + zlib.crc32(body).to_bytes(4, 'big'))
                  seq += 1
                  if seq % 8 == 0 or stop.is_set():
                      try:
                          os.fsync(w)
                          with lock: durable.append((first, seq)); counts['durable'] = seq
                      except OSError as e:
                          if e.errno != errno.EIO: raise
                          with lock: counts['lost_batches'] += 1
                      first = seq
                  with lock: counts['records'] = seq
          except OSError as e: errors.append('writer: %r' % e)
      def reader():
          try:
              while not stop.is_set():
                  fd = os.open(os.path.join(mnt, 'big'), os.O_RDONLY)
                  os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                  got = b''
                  while True:
                      b = os.read(fd, 1 << 20)
                      if not b: break
                      got += b
                  os.close(fd)
                  if hashlib.sha256(got).hexdigest() != want: errors.append('reader: big file differs'); return
                  os.lseek(u, 0, os.SEEK_SET)
                  if os.read(u, 4096) != b'kept by the open descriptor' * 100: errors.append('unlinked file differs'); return
                  with lock: counts['reads'] += 1
          except OSError as e: errors.append('reader: %r' % e)
      ts = [threading.Thread(target=writer), threading.Thread(target=reader)]
      for t in ts: t.start()
      say('ready')
      for line in sys.stdin:
          cmd = line.strip()
          if cmd == 'status':
              with lock: say('records %d reads %d durable %d lost %d errors %d%s' % (counts['records'], counts['reads'], counts['durable'], counts['lost_batches'], len(errors), ' first: ' + errors[0] if errors else ''))
          elif cmd == 'stop':
              break
      stop.set()
      for t in ts: t.join()
      os.close(w)
      data = open(os.path.join(mnt, 'records'), 'rb').read()
      if len(data) % 64: errors.append('records file: %d bytes, not whole records' % len(data))
      found = {}
      for i in range(len(data) // 64):
          r = data[64 * i:64 * i + 64]
          if zlib.crc32(r[:60]).to_bytes(4, 'big') != r[60:]: errors.append('record at %d damaged' % i); break
          found[int.from_bytes(r[:8], 'big')] = i
      missing = [s for a, b in durable for s in range(a, b) if s not in found]
      if missing: errors.append('%d fsynced records missing, first %d' % (len(missing), missing[0]))
      order = [found[s] for a, b in durable for s in range(a, b) if s in found]
      if order != sorted(order): errors.append('fsynced records out of order')
      if os.fstat(u).st_nlink != 0: errors.append('unlinked file has links')
      say('done records %d durable %d lost %d missing %d reads %d errors %s' % (counts['records'], sum(b - a for a, b in durable), counts['lost_batches'], counts['records'] - len(found), counts['reads'], errors))
      sys.exit(1 if errors else 0)
      """;

  private final Process process;
  private final BufferedReader out;
  private final Writer in;

  private Workload(Process process) {
    this.process = process;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  /** Starts the program on {@code mnt} (which holds {@code big}) and waits until it runs; its script goes to {@code dir}. */
  static Workload start(Path dir, Path mnt) throws IOException {
    Path script = Files.writeString(dir.resolve("workload.py"), SCRIPT);
    Workload w = new Workload(new ProcessBuilder("python3", script.toString(), mnt.toString()).start());
    assertThat(w.line()).isEqualTo("ready");
    return w;
  }

  /** Its counters now; fails the test when it saw an error. */
  String status() throws IOException {
    in.write("status\n");
    in.flush();
    String s = line();
    assertThat(field(s, "errors")).as("program status: %s", s).isZero();
    return s;
  }

  /** Waits (with a deadline) until it wrote 100 more records and verified {@code big} once more than at {@code before}. */
  String goesOnFrom(String before, String what) throws IOException {
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    String after = status();
    while ((field(after, "records") < field(before, "records") + 100 || field(after, "reads") <= field(before, "reads"))
        && System.nanoTime() < until) {
      after = status();
    }
    assertThat(field(after, "records")).as("records written after %s", what).isGreaterThanOrEqualTo(field(before, "records") + 100);
    assertThat(field(after, "reads")).as("verified reads after %s", what).isGreaterThan(field(before, "reads"));
    return after;
  }

  /** Stops it and returns its last line ({@code done records N durable N lost N missing N reads N errors [...]}); fails unless it found no error. */
  String stop() throws Exception {
    in.write("stop\n");
    in.flush();
    String done = line();
    assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(done).as("the program's end").contains("errors []");
    assertThat(process.exitValue()).as(done).isZero();
    return done;
  }

  /** The number after {@code name} in a status or done line. */
  static long field(String line, String name) {
    Matcher m = Pattern.compile(name + " (\\d+)").matcher(line);
    assertThat(m.find()).as(line).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** "locked" when another process could take the lock on {@code file}, "refused errno 11" while the program holds it. */
  static String tryLock(Path file) throws Exception {
    Process p = new ProcessBuilder("python3", "-c", TRY_LOCK, file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
    return out;
  }

  private String line() throws IOException {
    String l = out.readLine();
    if (l == null) {
      throw new AssertionError("the program ended early: " + new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }
    return l;
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
