package io.nectarfs.cli;

import io.nectarfs.common.Metrics;
import io.nectarfs.common.MetricsServer;
import io.nectarfs.common.Uris;
import io.nectarfs.fuse.ControlSocket;
import io.nectarfs.fuse.FuseMount;
import io.nectarfs.fuse.FuseServer;
import io.nectarfs.fuse.MountOptions;
import io.nectarfs.volume.Volume;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar mount META-URL MOUNTPOINT}: serves the volume through FUSE, in the foreground or,
 * with {@code -d}, in a background process (this command returns once the mount is ready).
 * SIGTERM or an unmount flushes written data and ends the session cleanly.
 */
@Command(name = "mount", mixinStandardHelpOptions = true,
    description = {"Mount a volume with FUSE.",
        "In the foreground by default (Ctrl-C or SIGTERM unmounts cleanly); with -d in the background, logging to a file."})
final class MountCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;
  @Mixin DataOptions data;

  @Parameters(index = "0", arity = "0..1", paramLabel = "META-URL", description = "The volume's metadata engine URL (with --takeover: optional, checked against the running mount's).")
  String metaUrl;

  @Parameters(index = "1", arity = "0..1", paramLabel = "MOUNTPOINT", description = "An existing empty directory.")
  Path mountpoint;

  @Option(names = "--takeover", paramLabel = "MOUNTPOINT", description = "Take over the running mount at MOUNTPOINT with this build, as nectar upgrade does (its options are the running mount's; in the foreground unless -d).")
  Path takeover;

  @Option(names = "--json", description = "With --takeover -d: print the outcome as one JSON object.")
  boolean json;

  @Option(names = "--takeover-child", hidden = true, description = "Internal: this process is the successor of the running mount at MOUNTPOINT.")
  boolean takeoverChild;

  @Option(names = "--no-keeper", description = "Serve in this one process, without a keeper process (by default a small keeper holds the /dev/fuse connection and restarts a crashed server without the mount disappearing).")
  boolean noKeeper;

  @Option(names = "--standby", negatable = true, defaultValue = "true", fallbackValue = "true", description = "With the keeper: keep a standby worker that has the volume prepared, so a crashed server is replaced in well under a second (default: on; --no-standby saves its JVM, about 150 MB, and a crash recovery then starts a new process: seconds).")
  boolean standby = true;

  @Option(names = "--keeper-socket", paramLabel = "PATH", description = "Relay the mount to the external keeper listening at PATH (the CSI node"
      + " plugin's, for a mount pod): it holds the /dev/fuse connection when this container dies, and the next 'nectar mount'"
      + " with the same PATH recovers the mount (commits the journaled writes, takes the open files over) instead of mounting anew. A crash of"
      + " the server alone is recovered in the container by its standby; with --no-standby this process serves, attached to that keeper.")
  Path keeperSocket;

  @Option(names = "--journal-size", paramLabel = "SIZE", description = "With the keeper: memory for the write journal, which holds the"
      + " acknowledged writes not yet committed so that the worker replacing a crashed one commits them (default: ${DEFAULT-VALUE}, 5M to 1G;"
      + " memory is used while writes are pending and given back 10 s after all are committed; a write that finds it full commits its file at"
      + " once; 0: no journal, a crash then loses those writes and the next fsync or close of each such file fails with EIO).")
  String journalSize = "256M";

  /** This process's write journal file (kept mounts), or null. */
  private JournalFile journalFile;

  @Option(names = "--keeper-worker", hidden = true, description = "Internal: this process is the worker of a keeper (NECTAR_KEEPER_SOCKET).")
  boolean keeperWorker;

  @Option(names = {"-d", "--background"}, description = "Run in the background; return when the mount is ready.")
  boolean background;

  @Option(names = "--log", paramLabel = "FILE", description = "Log file in the background (default: $HOME/.nectar/mount-<name>.log).")
  Path logFile;

  @Option(names = "--access-log", paramLabel = "FILE", description = "Also append the access log (the lines of MOUNTPOINT/.accesslog) to this file, created 0600.")
  Path accessLog;

  @Option(names = "--subdir", paramLabel = "PATH", description = "Mount this directory of the volume as the root.")
  String subdir;

  @Option(names = "--read-only", description = "Mount read-only.")
  boolean readOnly;

  @Option(names = "--attr-cache", paramLabel = "DURATION", description = "Kernel attribute cache time (default: ${DEFAULT-VALUE}).")
  String attrCache = "1s";

  @Option(names = "--entry-cache", paramLabel = "DURATION", description = "Kernel name cache time (default: ${DEFAULT-VALUE}).")
  String entryCache = "1s";

  @Option(names = "--negative-cache", paramLabel = "DURATION", description = "Kernel cache time of missing names (default: ${DEFAULT-VALUE}).")
  String negativeCache = "0s";

  @Option(names = "--allow-other", description = "Let other users access the mount (default for root).")
  Boolean allowOther;

  @Option(names = "--writeback-cache", description = "Kernel writeback cache (faster small writes; weaker close-to-open).")
  boolean writebackCache;

  @Option(names = "--no-keep-cache", negatable = true, description = "Keep the kernel page cache of a file across opens; it is dropped when the file's size or mtime changed (default: ${DEFAULT-VALUE}).")
  boolean keepCache = true;

  @Option(names = "--kernel-read-ahead", paramLabel = "SIZE", description = "Kernel read-ahead of the mount (default: ${DEFAULT-VALUE}; needs root).")
  String kernelReadAhead = "16M";

  /** The values of {@code --passthrough}. */
  enum PassthroughMode {
    auto, on, off;

    /** Whether a mount ({@code readOnly} or not) uses passthrough: auto only where no writer can be refused. */
    boolean enabled(boolean readOnly) {
      return this == on || this == auto && readOnly;
    }
  }

  @Option(names = "--passthrough", paramLabel = "auto|on|off", description = "on: read-only opens of files entirely in the local cache are read by the kernel from a local copy (FUSE passthrough; needs root and Linux 6.9+, a plain disk cache and no writeback cache); while such an open lives, a writable open of the file waits up to 2 s and then fails with ETXTBSY. auto: on for --read-only mounts, where no writer can be refused, off otherwise. off: every read goes through the daemon (default: ${DEFAULT-VALUE}).")
  PassthroughMode passthrough = PassthroughMode.auto;

  @Option(names = "--direct-io", description = "Bypass the kernel page cache.")
  boolean directIo;

  @Option(names = "--no-default-permissions", negatable = true, description = "Let the kernel check permissions on every path component with cached attributes (default: ${DEFAULT-VALUE}); the metadata checks them too.")
  boolean defaultPermissions = true;

  @Option(names = "--nonempty", description = "Allow mounting over a non-empty directory.")
  boolean nonEmpty;

  @Option(names = "--readers", paramLabel = "N", description = "FUSE worker threads kept waiting on /dev/fuse (default: ${DEFAULT-VALUE}; more start while all are busy, up to --max-background).")
  int readers = 2;

  @Option(names = "--io-uring", description = "Serve FUSE requests over io_uring rings (Linux 6.14+, needs the fuse module parameter enable_uring=Y; "
      + "falls back to /dev/fuse with one log line otherwise). Off by default: measured slower than /dev/fuse (docs/decisions.md).")
  boolean ioUring;

  @Option(names = "--max-background", paramLabel = "N", description = "Requests handled at once (default: ${DEFAULT-VALUE}).")
  int maxBackground = 64;

  @Option(names = "--suid", negatable = true, description = "Honour set-user-id bits (root mounts only; default: off, as nosuid).")
  boolean suid;

  @Option(names = "--dev", negatable = true, description = "Interpret device nodes (root mounts only; default: off, as nodev).")
  boolean dev;

  @Option(names = "--no-exec", negatable = true, description = "Refuse executing programs (noexec; --exec, the default, allows it).")
  boolean exec = true;

  @Mixin MetricsOptions metricsOptions;

  @Mixin GroupOptions groupOptions;

  @Option(names = "--foreground-child", hidden = true, description = "Internal: the background child signals readiness by the mount itself.")
  boolean child;

  /**
   * The environment variable through which a background parent hands the metadata URL with its
   * credentials to the child, whose arguments carry only the redacted URL (so {@code ps} never
   * shows the password; a process's environment is readable only by its user and root).
   */
  static final String META_URL_ENV = "NECTAR_MOUNT_META_URL";

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (takeover != null) {
      if (mountpoint != null) {
        throw new ParameterException(spec.commandLine(), "with --takeover MOUNTPOINT, give at most the META-URL (the running mount's options are used)");
      }
      return Takeover.launch(out, takeover, metaUrl, !background, json);
    }
    if (metaUrl == null || mountpoint == null) {
      throw new ParameterException(spec.commandLine(), "Missing required parameter" + (metaUrl == null ? "s: 'META-URL', 'MOUNTPOINT'" : ": 'MOUNTPOINT'"));
    }
    if (child || takeoverChild || keeperWorker) {
      String secretUrl = System.getenv(META_URL_ENV);
      if (secretUrl != null && Uris.redact(secretUrl).equals(metaUrl)) {
        metaUrl = secretUrl;
      }
    }
    validateOptions();
    int generation = keeperWorker ? KeeperLink.generation() : -1;
    KeeperLink externalLink = null;
    if (keeperSocket != null && !keeperWorker && !takeoverChild && !(background && !child) && !keeperMode()) {
      try {
        externalLink = KeeperLink.external(keeperSocket);
      } catch (IOException e) {
        org.slf4j.LoggerFactory.getLogger(MountCommand.class).warn("{}: this mount serves without crash protection", e.getMessage());
      }
      if (externalLink != null) {
        try {
          KeeperLink.Status st = externalLink.status();
          generation = st.held() ? st.generation() : -1; // held: a dead (or handed-over) predecessor's mount, recovered below
        } catch (IOException e) {
          org.slf4j.LoggerFactory.getLogger(MountCommand.class).warn("the keeper at {} did not answer ({}): this mount serves without crash"
              + " protection", keeperSocket, e.getMessage());
          externalLink = null;
        }
      }
    }
    if (!takeoverChild && generation <= 0 && !(keeperMode() && keeperSocket != null)) { // a pod's keeper: its worker checks, unless it recovers
      checkMountpoint();
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    if ((suid || dev) && !root) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--suid and --dev (mount options suid, dev) need a mount by root");
    }
    try {
      data.vfsConfig();
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (background && !child && !takeoverChild && !keeperWorker) {
      return startInBackground(out);
    }
    if (keeperMode()) {
      return new Keeper(workerCommand(), secretEnv(), mountpoint.toAbsolutePath().normalize(), standby, spec.commandLine().getErr(),
          keeperSocket == null ? null : keeperSocket.toAbsolutePath().normalize()).run(); // runs no file system code
    }
    boundHeap();
    KeeperLink link = keeperWorker ? KeeperLink.fromEnvironment() : takeoverChild ? successorLink() : externalLink;
    TakeoverSuccessor successor = null;
    io.nectarfs.fuse.ThreadReserve reserve = null;
    Metrics metrics = Metrics.create();
    long received = 0;
    Stack stack;
    FuseServer server = null;
    long opened;
    if (generation > 0) {
      Served r = recoverMount(out, metrics, link);
      stack = r.stack();
      server = r.server();
      opened = System.nanoTime();
    } else if (takeoverChild) {
      long t0 = System.nanoTime();
      TakeoverSuccessor.warmUp();
      PreparedStack prepared = prepareStack(metrics, true); // storage, chunk store, cache scan, VFS: outside the pause
      MountOptions predicted = mountOptionsFor(prepared.prepared().format());
      prepared.warmUpServer(mountpoint, predicted, metrics);
      // the readers' threads, started now (each took up to tens of ms to start in the pause under load); two for the first growth
      reserve = io.nectarfs.fuse.ThreadReserve.start(predicted.readers() + 2, Duration.ofMinutes(1));
      long quiet = TakeoverSuccessor.awaitQuietCompilers(Duration.ofSeconds(3));
      try {
        progress(out, String.format("ready to take over (warm-up and volume prepared in %d ms, of which %d ms waiting for the compilers);"
            + " asking the running mount to hand over", (System.nanoTime() - t0) / 1_000_000, quiet));
        successor = TakeoverSuccessor.ask(mountpoint);
      } catch (IOException | RuntimeException e) {
        reserve.close();
        prepared.closeQuietly();
        throw e;
      }
      received = System.nanoTime();
      try {
        stack = prepared.bind(successor.state().handles().sessionId()); // only the session resume falls in the pause
        opened = System.nanoTime();
      } catch (IOException | RuntimeException e) {
        successor.failed("the successor could not open the volume: " + e.getMessage());
        reserve.close();
        prepared.closeQuietly();
        throw e;
      }
    } else {
      stack = openStack(metrics, 0, true);
      opened = System.nanoTime();
    }
    if (generation > 0) {
      // recovered: serving already
    } else if (successor != null) {
      try {
        server = FuseServer.takeOver(stack.volume.vfs(), successor.fds(), successor.state(), metrics, reserve);
      } catch (IOException | RuntimeException e) {
        successor.failed("the successor could not take over the handles: " + e.getMessage());
        stack.releaseQuietly();
        throw e;
      } finally {
        reserve.close(); // ends the threads the readers did not take
      }
      long serving = servingSince(server);
      server.recordTakeover(serving - successor.stoppedAt());
      successor.serving();
      stack.volume.chunks().rescanLocalCache(); // after the pause: the predecessor cached and evicted since this prepared
      stack = stack.withEndpoint(metricsOptions.start(metrics)); // the predecessor's port is free now
      startGroup(stack); // its port too; a member that starts late only serves its peers later
      progress(out, String.format("state from pid %d: %d open handles, %d bytes; stop-reading .. state here %.1f ms, volume open %.1f ms,"
          + " handles imported and serving %.1f ms", successor.predecessorPid(), successor.state().handles().handles().size(), successor.stateBytes(),
          (received - successor.stoppedAt()) / 1e6, (opened - received) / 1e6, (serving - opened) / 1e6));
      Long first = server.firstRequest().getNow(null);
      String result = JsonOutput.line(new TakeoverResult(true, mountpoint.toAbsolutePath().toString(), ProcessHandle.current().pid(),
          successor.predecessorPid(), (serving - successor.stoppedAt()) / 1e9, first == null ? null : (first - successor.stoppedAt()) / 1e9,
          successor.state().handles().handles().size(), successor.stateBytes(), null));
      org.slf4j.LoggerFactory.getLogger(MountCommand.class).info("took over {} from pid {}: pause {} ms (stop-reading .. serving)",
          mountpoint, successor.predecessorPid(), (serving - successor.stoppedAt()) / 1_000_000);
      out.println(TAKEOVER_RESULT + " " + result);
      out.flush();
      attach(link, server, stack);
    } else {
      try {
        server = FuseServer.mount(stack.volume.vfs(), mountpoint, mountOptions(stack.volume), metrics);
      } catch (IOException | RuntimeException e) {
        stack.close();
        throw e;
      }
      if (!server.awaitInit(Duration.ofSeconds(30))) {
        server.close();
        stack.close();
        throw new IOException("the kernel did not start the FUSE session at " + mountpoint + " within 30 s");
      }
      raiseKernelReadAhead();
      attach(link, server, stack);
    }
    boolean external = link != null && link.external();
    // a mount pod's server (attached to the node plugin's keeper, or to its container's relaying keeper) hands the mount over at SIGTERM while its pod is replaced
    boolean podServer = link != null && (external || link.relayed());
    if (link != null && !podServer) {
      Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(link::ending)); // before the server's hook unmounts
    }
    if (!podServer) {
      server.closeOnShutdown();
    }
    metrics.bindJvm();
    MetricsOptions.advertise(metrics, stack.endpoint); // where `nectar stats` finds the endpoint
    Live live = new Live(metrics, stack, server, link);
    MountHandover handover = new MountHandover(live);
    if (external) {
      link.onKeeperLost(() -> reattach(link, live)); // the node plugin restarted
    }
    if (podServer) {
      Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> stopExternal(link, live, handover)));
    }
    ControlSocket control = null;
    try {
      control = ControlSocket.listen(mountpoint.toAbsolutePath().normalize().toRealPath(), handover);
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(MountCommand.class).warn("no control socket, so no takeover of this mount: {}", e.getMessage());
    }
    if (successor == null && generation <= 0) {
      out.printf("volume %s mounted at %s (metadata %s)%s%s%n", stack.volume.format().name(), mountpoint.toAbsolutePath(), Uris.redact(metaUrl),
          stack.endpoint == null ? "" : ", metrics at " + stack.endpoint.url(),
          stack.group == null ? "" : stack.group.self() == null ? ", reading from cache group " + groupOptions.group
              : ", cache group " + groupOptions.group + " member " + stack.group.self());
    }
    out.flush();
    while (true) {
      live.server().awaitStop(Duration.ofDays(36500));
      java.util.concurrent.CompletableFuture<FuseServer> pending = handover.pending();
      if (pending == null) {
        break;
      }
      FuseServer next;
      try {
        next = pending.get();
      } catch (java.util.concurrent.ExecutionException e) {
        break; // logged: the mount stays, its requests wait for a successor
      }
      handover.clear();
      if (next == null) { // handed over: the successor serves; nothing of the mount is closed here
        if (control != null) {
          control.close();
        }
        return Cli.OK;
      }
      if (!podServer) {
        next.closeOnShutdown(); // a pod's server: its one hook stops whichever server serves
      }
      live.serve(next);
    }
    if (control != null) {
      control.close();
    }
    if (link != null) {
      link.ending();
    }
    live.server().close();
    live.stack().close();
    return Cli.OK;
  }

  /** A successor's link to the running mount's keeper, if it has one and it answers (else the takeover goes on without). */
  private KeeperLink successorLink() {
    try {
      if (keeperSocket != null) {
        return KeeperLink.external(keeperSocket); // the predecessor's arguments: the same external keeper
      }
      return KeeperLink.fromEnvironment();
    } catch (IOException e) {
      org.slf4j.LoggerFactory.getLogger(MountCommand.class).warn("{}: this process serves the mount without crash recovery", e.getMessage());
      return null;
    }
  }

  /** A worker of a keeper gives it the descriptors and the state, then reports its handles. */
  private void attach(KeeperLink link, FuseServer server, Stack stack) {
    if (link == null) {
      return;
    }
    try {
      JournalFile j = startJournal(stack);
      link.attach(server.session().fds(), keeperState(server, stack), j == null ? -1 : j.fd, link.external() ? null : workerCommand());
      stack.volume.vfs().setHandleEvents(link);
    } catch (IOException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(MountCommand.class).warn("could not attach to the mount's keeper ({}): a crash of this process ends the mount",
          e.getMessage());
    }
  }

  /**
   * SIGTERM (the container stops) of an external keeper's worker: while the node plugin replaces
   * the pod, the mount goes to the keeper (drained, flushed, the volume closed keeping its
   * session) for the next pod's container; otherwise the mount ends as usual.
   */
  private static void stopExternal(KeeperLink link, Live live, MountHandover handover) {
    if (link.upgrading() && handover.toKeeper()) {
      return;
    }
    link.ending();
    live.server().close();
  }

  /**
   * Attaches again to an external keeper that restarted: the descriptors, the state and this
   * process's journal (the one in use: its pending records stay valid), then every open handle
   * and unflushed file ({@link io.nectarfs.vfs.Vfs#setHandleEvents} reports them).
   */
  private void reattach(KeeperLink link, Live live) throws IOException {
    FuseServer server = live.server();
    Stack stack = live.stack();
    link.attach(server.session().fds(), keeperState(server, stack), journalFile == null ? -1 : journalFile.fd, null);
    stack.volume.vfs().setHandleEvents(link);
  }

  /** The encoded state a keeper holds for the next worker: INIT, mount options, the session (the handles come as events). */
  private byte[] keeperState(FuseServer server, Stack stack) {
    return new io.nectarfs.fuse.HandoverState(server.mountpoint().toString(), server.initState(), mountOptions(stack.volume),
        new io.nectarfs.vfs.HandleTable(stack.volume.meta().sessionId(), 1, List.of())).encode();
  }

  /**
   * Gives the VFS a new write journal in this process's journal file (created at the first call),
   * or none with {@code --journal-size 0}; null when there is none.
   */
  private JournalFile startJournal(Stack stack) {
    long size = io.nectarfs.common.Sizes.parse(journalSize);
    if (size == 0) {
      return null;
    }
    try {
      if (journalFile == null) {
        journalFile = JournalFile.create();
      }
      JournalFile j = journalFile;
      stack.volume.vfs().useJournal(j.channel, size, false, j::punch);
      return j;
    } catch (IOException | RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(MountCommand.class).warn("no write journal ({}): writes acknowledged but not committed when this"
          + " process crashes are lost", e.getMessage());
      return null;
    }
  }

  /**
   * Crash recovery: takes what the crashed worker's journal holds as this worker's pending writes
   * (committed in the background) and continues the journal, and returns the files whose
   * acknowledged writes are lost: all files with uncommitted writes when there is no journal or it
   * cannot be read, else those whose journaled writes could not be taken.
   */
  private java.util.Set<Long> replayJournal(io.nectarfs.vfs.Vfs vfs, KeeperLink.Recovery r, long[] replayed) {
    // replayed: files, bytes, read ms, take ms
    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MountCommand.class);
    if (r.journalFd() < 0) {
      return r.dirty();
    }
    try {
      journalFile = JournalFile.of(r.journalFd());
    } catch (IOException e) {
      log.warn("the crashed worker's write journal cannot be opened ({}): the writes it had not committed are lost", e.getMessage());
      return r.dirty();
    }
    try {
      io.nectarfs.vfs.Vfs.Replayed rep = vfs.useJournal(journalFile.channel, 0, true, journalFile::punch);
      replayed[0] = rep.files().size();
      replayed[1] = rep.bytes();
      replayed[2] = rep.readNanos() / 1_000_000;
      replayed[3] = rep.takeNanos() / 1_000_000;
      return rep.failed();
    } catch (IOException | RuntimeException e) {
      log.warn("the crashed worker's write journal cannot be read ({}): the writes it had not committed are lost", e.getMessage());
      try {
        vfs.useJournal(journalFile.channel, io.nectarfs.common.Sizes.parse(journalSize), false, journalFile::punch); // never replay it later
      } catch (IOException | RuntimeException again) {
        log.warn("no write journal in this worker either ({})", again.getMessage());
      }
      return r.dirty();
    }
  }

  /** A recovering worker's stack and server. */
  private record Served(Stack stack, FuseServer server) {}

  /**
   * Crash recovery, the new worker's side: prepares the volume (everything but the session),
   * gets descriptors, state, handles and dirty files from the keeper, resumes the crashed
   * worker's metadata session, takes the handles over (files with lost writes marked) and serves,
   * asking the kernel to re-send what the crashed worker had read (FUSE_NOTIFY_RESEND).
   */
  private Served recoverMount(PrintWriter out, Metrics metrics, KeeperLink link) throws IOException {
    org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MountCommand.class);
    if (link == null) {
      throw new IOException("a recovering worker needs its keeper (" + Keeper.SOCKET_ENV + ")");
    }
    long t0 = System.nanoTime();
    PreparedStack prepared = prepareStack(metrics, true);
    prepared.warmUpServer(mountpoint, mountOptionsFor(prepared.prepared().format()), metrics);
    try {
      io.nectarfs.vfs.Vfs.warmUpJournal();
    } catch (IOException e) {
      log.debug("no journal warm-up: {}", e.toString());
    }
    long ready = System.nanoTime();
    KeeperLink.Recovery r;
    io.nectarfs.fuse.HandoverState state;
    try {
      r = link.recover();
    } catch (IOException | RuntimeException e) {
      prepared.closeQuietly();
      throw e;
    }
    try {
      state = io.nectarfs.fuse.HandoverState.decode(r.state());
    } catch (IOException | RuntimeException e) {
      prepared.closeQuietly();
      io.nectarfs.fuse.linux.UnixSockets.closeAll(r.fds());
      throw e;
    }
    long got = System.nanoTime();
    Stack stack;
    try {
      stack = prepared.bind(state.handles().sessionId());
    } catch (IOException | RuntimeException e) {
      prepared.closeQuietly();
      io.nectarfs.fuse.linux.UnixSockets.closeAll(r.fds());
      throw e;
    }
    long bound = System.nanoTime();
    FuseServer server;
    java.util.Set<Long> lost;
    long[] replayed = new long[4];
    try {
      io.nectarfs.vfs.Vfs vfs = stack.volume.vfs();
      vfs.importHandles(new io.nectarfs.vfs.HandleTable(state.handles().sessionId(), r.nextFh(), r.handles()));
      lost = replayJournal(vfs, r, replayed);
      vfs.markLostWrites(lost);
      server = FuseServer.recover(vfs, state.session(r.fds()), state.options(), metrics);
    } catch (IOException | RuntimeException e) {
      stack.releaseQuietly();
      io.nectarfs.fuse.linux.UnixSockets.closeAll(r.fds());
      throw e;
    }
    long serving = servingSince(server);
    server.recordTakeover(serving - r.diedAt());
    link.serving();
    stack.volume.chunks().rescanLocalCache(); // after the pause: the crashed worker cached and evicted since this prepared
    stack.volume.vfs().setHandleEvents(link);
    stack = stack.withEndpoint(metricsOptions.start(metrics));
    startGroup(stack);
    long pauseNanos = serving - r.diedAt();
    log.warn("recovered {} after its server crashed (generation {}): pause {} ms (crash seen .. serving; start + prepare {} ms, session {} ms,"
        + " handles, journal and serving {} ms), {} open handles taken over, {} files' uncommitted writes taken from the journal ({} bytes;"
        + " read {} ms, taken {} ms; committed in the background), {} files lost writes not yet committed", mountpoint, r.generation(), pauseNanos / 1_000_000,
        (ready - t0) / 1_000_000, (bound - got) / 1_000_000, (serving - bound) / 1_000_000, r.handles().size(), replayed[0], replayed[1],
        replayed[2], replayed[3], lost.size());
    out.println(RECOVERY_RESULT + " " + MountHandover.JSON.createObjectNode().put("generation", r.generation()).put("pid", ProcessHandle.current().pid())
        .put("pause_seconds", pauseNanos / 1e9).put("handles", r.handles().size()).put("replayed_files", replayed[0])
        .put("replayed_bytes", replayed[1]).put("lost_writes", lost.size()));
    out.flush();
    return new Served(stack, server);
  }

  /** JVM options of a background keeper: serial collector, a small heap, the client compiler. */
  private static final List<String> KEEPER_JVM = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx48m", "-XX:TieredStopAtLevel=1", "-Xss512k");

  /**
   * Whether this {@code nectar mount} becomes a keeper with a worker (not for io_uring mounts,
   * whose rings die with their process). A mount pod's (with {@code --keeper-socket}) does so for
   * its standby: its keeper relays the mount to the node plugin's; with {@code --no-standby} the
   * container serves itself, attached to the node plugin's keeper.
   */
  private boolean keeperMode() {
    return !keeperWorker && !takeoverChild && !noKeeper && !ioUring && (keeperSocket == null || standby);
  }

  /** The line a recovered worker prints when it serves (tests read the pause from it). */
  static final String RECOVERY_RESULT = "nectar-recovery-result";

  /**
   * How a keeper starts a worker of this build with this mount's options, in the foreground: the
   * keeper's own (its first worker, a recovery, a standby), and an upgrade's successor's, which
   * the keeper then runs instead (see {@link Keeper}). Without {@code --keeper-socket}: a pod
   * keeper's worker knows its keeper only, which relays.
   */
  private List<String> workerCommand() throws IOException {
    List<String> args = ownArgs("-d", "--background", "--foreground-child", "--takeover-child", "--keeper-worker");
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).startsWith("--keeper-socket=")) {
        args.remove(i--);
      } else if (args.get(i).equals("--keeper-socket")) {
        args.remove(i);
        args.remove(i--);
      }
    }
    args.add("--keeper-worker");
    return ChildJvm.command(false, mountJvm(), args);
  }

  /** JVM options of a process that serves the mount: its collector and a heap bounded by the mount's needs ({@link HeapBound}). */
  private List<String> mountJvm() throws IOException {
    return HeapBound.mountJvm(heapNeed());
  }

  /**
   * The JVM options of a process that serves a mount of {@code commandLine} (a running mount's,
   * {@code mount} included): an upgrade's successor. A line this build cannot parse gets the
   * defaults' bound.
   */
  static List<String> mountJvm(List<String> commandLine) {
    int at = commandLine.indexOf("mount");
    MountCommand m = new MountCommand();
    try {
      new CommandLine(m).parseArgs(commandLine.subList(at + 1, commandLine.size()).toArray(String[]::new));
      return m.mountJvm();
    } catch (CommandLine.PicocliException | IOException | IllegalArgumentException e) {
      return HeapBound.mountJvm(HeapBound.forMount(io.nectarfs.volume.CacheOptions.defaults()));
    }
  }

  /** This command's arguments without {@code dropped}, the metadata URL redacted: its credentials travel in the environment ({@link #secretEnv}). */
  private List<String> ownArgs(String... dropped) {
    String redacted = Uris.redact(metaUrl);
    List<String> args = new ArrayList<>();
    for (String a : spec.commandLine().getParseResult().originalArgs()) {
      if (a.equals(metaUrl)) {
        args.add(redacted);
      } else if (!List.of(dropped).contains(a)) {
        args.add(a);
      }
    }
    return args;
  }

  /** The environment that carries the metadata URL with its credentials to a worker (none when it has none). */
  private java.util.Map<String, String> secretEnv() {
    return Uris.redact(metaUrl).equals(metaUrl) ? java.util.Map.of() : java.util.Map.of(META_URL_ENV, metaUrl);
  }

  /** The line a successor prints when it serves, read by {@code nectar upgrade}. */
  static final String TAKEOVER_RESULT = "nectar-takeover-result";

  /** A takeover's outcome ({@code nectar upgrade --json} prints it). */
  record TakeoverResult(boolean ok, String mountpoint, Long pid, Long predecessorPid, Double pauseSeconds, Double firstRequestSeconds,
      Integer handles, Integer stateBytes, String error) {}

  private static void progress(PrintWriter out, String line) {
    out.println("takeover: " + line);
    out.flush();
  }

  /** What one serving of the mount holds besides its FUSE server; closed together. */
  private record Stack(MetricsServer endpoint, io.nectarfs.cache.CacheGroup group, Volume volume, io.nectarfs.volume.VolumeOptions options) {
    Stack withEndpoint(MetricsServer e) {
      return new Stack(e, group, volume, options);
    }

    void close() throws IOException {
      MetricsOptions.close(endpoint);
      closeGroup(group);
      volume.close();
    }

    /** Closes everything but keeps the metadata session (the VFS exported or never had handles). */
    void releaseQuietly() {
      MetricsOptions.close(endpoint);
      closeGroup(group);
      try {
        volume.handOver();
      } catch (IOException | RuntimeException e) {
        try {
          volume.close();
        } catch (IOException | RuntimeException again) {
          org.slf4j.LoggerFactory.getLogger(MountCommand.class).warn("closing the volume: {}", again.getMessage());
        }
      }
    }
  }

  /**
   * When {@code server}'s first reader began to wait on the connection: the end of a takeover's or
   * a recovery's pause (requests are read from then on, while this thread may still be starting
   * the other readers). Now, if that is not known within 30 s.
   */
  private static long servingSince(FuseServer server) {
    try {
      return server.servingSince().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return System.nanoTime();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return System.nanoTime();
    }
  }

  /** Opens metrics endpoint, cache group and volume ({@code resumeSession} 0: a new session). */
  private Stack openStack(Metrics metrics, long resumeSession, boolean withEndpoint) throws IOException {
    MetricsServer endpoint = withEndpoint ? metricsOptions.start(metrics) : null;
    Stack stack = null;
    try {
      PreparedStack p = prepareStack(metrics, resumeSession != 0);
      try {
        stack = p.bind(resumeSession);
      } catch (IOException | RuntimeException e) {
        p.closeQuietly();
        throw e;
      }
      if (resumeSession != 0) {
        stack.volume.chunks().rescanLocalCache(); // a predecessor that failed to hand over cached and evicted since
      }
      startGroup(stack);
      return stack.withEndpoint(endpoint);
    } catch (IOException | RuntimeException e) {
      if (stack != null) {
        if (resumeSession != 0) {
          stack.releaseQuietly(); // a takeover that failed leaves the session for another try
        } else {
          try {
            stack.close();
          } catch (IOException | RuntimeException again) {
            e.addSuppressed(again);
          }
        }
      }
      MetricsOptions.close(endpoint);
      throw e;
    }
  }

  /**
   * The cache group (created, not started) and the volume prepared up to its metadata session
   * ({@link Volume#prepare}); {@code takeover}: no storage probe (the predecessor checked the
   * storage; the probe, an fsynced put, would lengthen the pause).
   */
  private PreparedStack prepareStack(Metrics metrics, boolean takeover) throws IOException {
    io.nectarfs.volume.CacheOptions cache = data.cacheOptions();
    io.nectarfs.cache.CacheGroup group = null;
    try {
      group = groupOptions.create(cache.cacheSize(), metrics);
      io.nectarfs.volume.VolumeOptions vo = data.volumeOptions(mountpoint.toAbsolutePath().toString(), readOnly).withSubdir(subdir).withMetrics(metrics);
      if (takeover) {
        vo = vo.withCheckStorage(false);
      }
      if (group != null) {
        vo = vo.withBlockSource(group.blockSource());
      }
      Volume.Prepared prepared = Volume.prepare(metaUrl, vo);
      if (takeover) {
        try {
          prepared.warmUpResume(); // the session's resume, in the pause, on warm code
        } catch (IOException | RuntimeException e) {
          org.slf4j.LoggerFactory.getLogger(MountCommand.class).debug("no warm-up of the session resume: {}", e.toString());
        }
      }
      return new PreparedStack(group, prepared, vo);
    } catch (IOException | RuntimeException e) {
      closeGroup(group);
      throw e;
    }
  }

  /** A cache group created but not started, and a volume prepared but not bound to its session. */
  private record PreparedStack(io.nectarfs.cache.CacheGroup group, Volume.Prepared prepared, io.nectarfs.volume.VolumeOptions options) {
    /** Binds the volume to a new ({@code resumeSession} 0) or resumed session; the access log follows it. */
    Stack bind(long resumeSession) throws IOException {
      Volume volume = prepared.bindWithoutRescan(resumeSession); // the caller re-reads the disk cache once serving
      return new Stack(null, group, volume, options);
    }

    /** Loads the FUSE server's classes on the prepared VFS (a throwaway server that never reads) and registers its meters in {@code metrics}. */
    void warmUpServer(Path mountpoint, MountOptions options, Metrics metrics) {
      try {
        FuseServer.warmUp(prepared.vfs(), mountpoint, options, metrics);
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(MountCommand.class).debug("warm-up of the FUSE server failed (the takeover goes on): {}", e.toString());
      }
    }

    void closeQuietly() {
      closeGroup(group);
      try {
        prepared.close();
      } catch (IOException | RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(MountCommand.class).warn("closing the prepared volume: {}", e.getMessage());
      }
    }
  }

  /** Starts the stack's cache group (peer server, advert: needs the session) and the access-log file. */
  private void startGroup(Stack stack) throws IOException {
    if (stack.group != null) {
      stack.group.start(stack.volume.meta(), stack.volume.chunks(), stack.options.secrets());
    }
    if (accessLog != null) {
      io.nectarfs.vfs.Vfses.writeAccessLog(stack.volume.vfs(), accessLog.toAbsolutePath()); // ends when the volume closes
    }
  }

  private MountOptions mountOptions(Volume volume) {
    return mountOptionsFor(volume.format());
  }

  private MountOptions mountOptionsFor(io.nectarfs.meta.Format format) {
    boolean root = "root".equals(System.getProperty("user.name"));
    return MountOptions.builder()
        .volumeName(format.name())
        .readOnly(readOnly)
        .allowOther(allowOther != null ? allowOther : root)
        .nonEmpty(nonEmpty)
        .attrTimeout(Durations.parse(attrCache))
        .entryTimeout(Durations.parse(entryCache))
        .negativeTimeout(Durations.parse(negativeCache))
        .writebackCache(writebackCache)
        .posixAcl(format.enableAcl())
        .defaultPermissions(defaultPermissions)
        .directIo(directIo)
        .keepCache(keepCache)
        .passthrough(passthrough.enabled(readOnly))
        .suid(suid)
        .dev(dev)
        .exec(exec)
        .readers(readers)
        .ioUring(ioUring)
        .maxBackground(maxBackground)
        .congestionThreshold(Math.max(1, maxBackground * 3 / 4))
        .build();
  }

  /**
   * The mount while it runs: its current stack and server, which a failed handover replaces.
   * Accessed by the main thread and the control socket's thread: every field under {@code this}.
   */
  private final class Live implements MountHandover.Mount {
    private final Metrics metrics;
    private final KeeperLink link;
    private Stack stack;
    private FuseServer server;

    Live(Metrics metrics, Stack stack, FuseServer server, KeeperLink link) {
      this.metrics = metrics;
      this.stack = stack;
      this.server = server;
      this.link = link;
    }

    @Override
    public synchronized FuseServer server() {
      return server;
    }

    synchronized Stack stack() {
      return stack;
    }

    synchronized void serve(FuseServer next) {
      server = next;
    }

    @Override
    public synchronized com.fasterxml.jackson.databind.node.ObjectNode describe() {
      com.fasterxml.jackson.databind.node.ObjectNode o = MountHandover.JSON.createObjectNode();
      o.put("pid", ProcessHandle.current().pid())
          .put("volume", stack.volume.format().name())
          .put("uuid", stack.volume.format().uuid())
          .put("meta_url", metaUrl)
          .put("state_version", io.nectarfs.fuse.HandoverState.version())
          .put("background", child || takeoverChild && background);
      String keeper = System.getenv(Keeper.SOCKET_ENV);
      if (keeper != null && link != null) {
        o.put("keeper", keeper); // the successor attaches to the same keeper
        o.put("keeper_pid", link.keeperPid()); // nectar umount waits for it (a successor's parent is not its keeper)
      }
      if (link != null && link.external()) {
        o.put("upgrading", link.upgrading());
      }
      if (logFile != null) {
        o.put("log", logFile.toAbsolutePath().toString());
      }
      com.fasterxml.jackson.databind.node.ArrayNode args = o.putArray("args");
      for (String a : spec.commandLine().getParseResult().originalArgs()) {
        if (a.equals("--foreground-child") || a.equals("--takeover-child")) {
          continue;
        }
        args.add(a.equals(metaUrl) ? Uris.redact(metaUrl) : a);
      }
      return o;
    }

    @Override
    public void handingOver() {
      if (link != null) {
        link.handingOver(); // before anything is sent: the keeper must not take this end for a crash
      }
      releasePorts(); // the successor binds them once it serves, maybe before this process closes its volume
    }

    /** Closes the metrics endpoint and the cache group (their ports), once. */
    private synchronized void releasePorts() {
      MetricsOptions.close(stack.endpoint);
      closeGroup(stack.group);
      stack = new Stack(null, null, stack.volume, stack.options);
    }

    @Override
    public synchronized void release() throws IOException {
      releasePorts();
      stack.volume.close(); // keeps the session: the VFS exported its handles
    }

    @Override
    public synchronized FuseServer serveAgain(io.nectarfs.fuse.FuseSession session) {
      server = FuseServer.resume(stack.volume.vfs(), session, mountOptions(stack.volume), metrics);
      if (link != null) {
        link.serving();
      }
      return server;
    }

    @Override
    public synchronized FuseServer resume(io.nectarfs.fuse.HandoverState state, int[] fds) throws IOException {
      stack = openStack(metrics, state.handles().sessionId(), true);
      if (link != null && journalFile != null) {
        startJournal(stack); // the keeper still holds this process's journal file; the handover committed everything in it
      }
      try {
        server = FuseServer.takeOver(stack.volume.vfs(), fds, state, metrics);
      } catch (IOException | RuntimeException e) {
        stack.releaseQuietly();
        throw e;
      }
      if (link != null) {
        link.serving(); // the keeper holds the same descriptors still
        stack.volume.vfs().setHandleEvents(link);
      }
      return server;
    }
  }

  private static void closeGroup(io.nectarfs.cache.CacheGroup group) {
    if (group != null) {
      group.close();
    }
  }

  /**
   * Checks every option before anything is mounted or forked, so that a bad value is a usage error
   * (exit 2) naming the option, in the foreground and with {@code -d} alike.
   */
  private void validateOptions() {
    CommandLine cl = spec.commandLine();
    checkDuration(cl, "--attr-cache", attrCache);
    checkDuration(cl, "--entry-cache", entryCache);
    checkDuration(cl, "--negative-cache", negativeCache);
    try {
      io.nectarfs.common.Sizes.parse(kernelReadAhead);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, "--kernel-read-ahead: " + e.getMessage());
    }
    try {
      long j = io.nectarfs.common.Sizes.parse(journalSize);
      if (j != 0 && (j < io.nectarfs.vfs.Vfs.MIN_JOURNAL_SIZE || j > io.nectarfs.vfs.Vfs.MAX_JOURNAL_SIZE)) {
        throw new IllegalArgumentException("is out of range: use " + (io.nectarfs.vfs.Vfs.MIN_JOURNAL_SIZE >> 20) + "M to "
            + (io.nectarfs.vfs.Vfs.MAX_JOURNAL_SIZE >> 20) + "M, or 0 to turn the journal off");
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, "--journal-size " + journalSize + ": " + e.getMessage());
    }
    if (keeperSocket != null && (ioUring || noKeeper)) {
      throw new ParameterException(cl, "--keeper-socket cannot go with " + (ioUring ? "--io-uring (its rings die with this process)" : "--no-keeper"));
    }
    if (readers < 1 || readers > 64) {
      throw new ParameterException(cl, "--readers " + readers + " is out of range: use 1 to 64");
    }
    if (maxBackground < 1 || maxBackground > 65535) {
      throw new ParameterException(cl, "--max-background " + maxBackground + " is out of range: use 1 to 65535");
    }
    metricsOptions.validate(cl);
    if (subdir != null && subdir.isBlank()) {
      throw new ParameterException(cl, "--subdir must name a directory of the volume, e.g. --subdir /projects");
    }
    data.validate(cl);
    groupOptions.validate(cl, false, readOnly, data.memoryOnly());
  }

  private static void checkDuration(CommandLine cl, String option, String value) {
    Duration d;
    try {
      d = Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, option + ": " + e.getMessage());
    }
    if (d.isNegative()) {
      throw new ParameterException(cl, option + " " + value + " must not be negative");
    }
  }

  /**
   * The kernel reads ahead only 128 KiB on a FUSE mount by default, which caps sequential reads;
   * raise it (root only, through the mount's backing device in sysfs). Best effort. The device
   * comes from the mount table, not from a stat of the mount point, which would be a request to
   * this very process (see {@link FuseMount#device}).
   */
  private void raiseKernelReadAhead() {
    try {
      Optional<String> dev = FuseMount.device(mountpoint);
      if (dev.isEmpty()) {
        return;
      }
      Path ra = Path.of("/sys/class/bdi", dev.get(), "read_ahead_kb");
      if (Files.isWritable(ra)) {
        Files.writeString(ra, Long.toString(io.nectarfs.common.Sizes.parse(kernelReadAhead) >> 10));
      }
    } catch (IOException | RuntimeException e) {
      // Not root, or no sysfs: the default read-ahead stays.
    }
  }

  private void checkMountpoint() throws IOException {
    if (!Files.exists(mountpoint)) {
      throw new IOException("mount point " + mountpoint + " does not exist: create it with mkdir -p " + mountpoint);
    }
    if (!Files.isDirectory(mountpoint)) {
      throw new IOException("mount point " + mountpoint + " is not a directory");
    }
    if (FuseMount.isMounted(mountpoint)) {
      throw new IOException(mountpoint + " is already mounted: unmount it first (nectar umount " + mountpoint + ")");
    }
  }

  /** The heap this mount's settings need ({@link HeapBound}). */
  private long heapNeed() throws java.io.IOException {
    return HeapBound.forMount(data.cacheOptions());
  }

  /** The mount's heap follows its buffers (and an in-memory block cache), not the machine's size. */
  private void boundHeap() throws java.io.IOException {
    long set = HeapBound.apply(heapNeed());
    if (set < 0) {
      org.slf4j.LoggerFactory.getLogger(MountCommand.class).debug("no soft heap limit: this JVM's collector has none (its maximum heap bounds it)");
    }
  }

  private int startInBackground(PrintWriter out) throws Exception {
    Path log = logFile != null ? logFile : DefaultPaths.nectarDir().resolve("mount-" + mountpoint.getFileName() + ".log");
    DefaultPaths.ensure(log.toAbsolutePath().getParent(), logFile == null ? "log directory" : "directory of --log", "--log FILE",
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    try { // a new log is private (it names files and objects); an existing one keeps its mode
      Files.createFile(log, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      // appended to below
    }
    List<String> args = ownArgs("-d", "--background");
    args.add("--foreground-child");
    // a keeper is a small JVM that runs no file system code; its worker gets the mount's heap
    List<String> cmd = ChildJvm.command(true, keeperMode() ? KEEPER_JVM : mountJvm(), args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().remove(META_URL_ENV);
    pb.environment().putAll(secretEnv());
    Process p = pb.start();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (FuseMount.isMounted(mountpoint)) {
        out.printf("volume mounted at %s in the background (pid %d, log %s)%n", mountpoint.toAbsolutePath(), p.pid(), log);
        return Cli.OK;
      }
      if (!p.isAlive()) {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String last = lines.isEmpty() ? "no output" : lines.getLast();
        throw new IOException("mount failed: " + last.replaceFirst("^nectar: ", "") + " (log: " + log + ")");
      }
      Thread.sleep(50);
    }
    p.destroy();
    throw new IOException("the mount did not become ready within 60 s (log: " + log + ")");
  }
}
