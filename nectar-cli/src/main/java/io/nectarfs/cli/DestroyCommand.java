package io.nectarfs.cli;

import io.nectarfs.common.Ctx;
import io.nectarfs.common.Secrets;
import io.nectarfs.common.Sizes;
import io.nectarfs.common.Uris;
import io.nectarfs.meta.StatFs;
import io.nectarfs.meta.Format;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.kv.TxnKv;
import io.nectarfs.object.ObjectInfo;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeMarker;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code nectar destroy META-URL UUID}: deletes every object of the volume (only under its own
 * prefix, and only when the storage's volume marker names it), its marker, and then its metadata.
 * Asks for the volume name unless {@code --yes} (showing the used size, inodes and storage);
 * refuses while clients are connected unless {@code --force}. Needs no encryption passphrase.
 * When the storage cannot be reached (say, no credentials), deletes only the metadata and says
 * which objects are left and how to delete them (exit code 1).
 */
@Command(name = "destroy", mixinStandardHelpOptions = true, description = "Delete a volume: all its objects and all its metadata. There is no undo.")
final class DestroyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin GlobalOptions global;

  @Parameters(index = "0", paramLabel = "META-URL", description = "The volume's metadata engine URL.")
  String metaUrl;

  @Parameters(index = "1", paramLabel = "UUID", description = "The volume's UUID (see 'nectar status'), to make sure the right volume goes.")
  String uuid;

  @Option(names = "--yes", description = "Do not ask for confirmation.")
  boolean yes;

  @Option(names = "--force", description = "Destroy even while clients are connected.")
  boolean force;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Secrets secrets = Secrets.fromEnvironment();
    try (TxnKv kv = Volumes.existingEngine(metaUrl, secrets)) {
      Format f = Volumes.requireFormat(kv);
      if (!f.uuid().equals(uuid)) {
        throw new IOException("the volume at this URL has UUID " + f.uuid() + ", not " + uuid + ": check the UUID with 'nectar status'");
      }
      int sessions;
      StatFs usage;
      try (MetaClient m = Volume.openMeta(metaUrl, VolumeOptions.defaults().withReadOnly(true).withBackgroundJobs(false))) {
        sessions = m.sessions().size();
        usage = m.statfs(Ctx.ROOT, 1);
      }
      if (sessions > 0 && !force) {
        throw new IOException(sessions + " client(s) are connected to volume " + f.name() + ": unmount them first or use --force");
      }
      // Deleting objects needs neither the encryption key nor its passphrase: the store is opened without decryption.
      Format objects = f.toBuilder().encryption(null, null).build();
      String storage = Uris.redact(f.storage()) + " under " + f.objectPrefix();
      String unreachable = reachable(objects, secrets);
      if (unreachable == null) {
        VolumeMarker.verify(objects, false, secrets); // before asking: storage of another volume is never touched
      }
      if (!yes) {
        out.printf("Volume '%s' (uuid %s): %s used, %d inodes; storage %s%n", f.name(), f.uuid(),
            Sizes.format(usage.totalSpace() - usage.availSpace()), usage.usedInodes(), storage);
        if (unreachable != null) {
          out.printf("The storage cannot be reached (%s): only the metadata will be deleted; its objects stay.%n", unreachable);
        }
        out.print("This deletes every file of volume '" + f.name() + "'. Type the volume name to confirm: ");
        out.flush();
        String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (answer == null || !answer.trim().equals(f.name())) {
          throw new IOException("not confirmed; nothing was deleted");
        }
      }
      if (unreachable != null) {
        kv.reset();
        out.printf("volume %s: metadata deleted; its objects were NOT deleted, the storage could not be reached (%s): delete everything under %s yourself%s%n",
            f.name(), unreachable, storage, howToDelete(f));
        return Cli.FAILURE;
      }
      long deleted;
      try (ObjectStore store = Volumes.storage(objects, true, secrets);
          Progress p = new Progress(spec.commandLine().getErr(), Progress.isTerminal(), "deleting objects", 0)) {
        deleted = deleteAll(store, p);
      }
      VolumeMarker.remove(objects, secrets);
      kv.reset();
      out.printf("volume %s destroyed: %d objects and all metadata deleted%n", f.name(), deleted);
    }
    return Cli.OK;
  }

  /** Deletes at once at most this many objects (object stores answer deletes in parallel well). */
  static final int PARALLEL_DELETES = 32;

  /**
   * Deletes every object of {@code store} but the volume marker: one pass of the listing (its pages
   * continue after the last key listed, so deleting what was listed costs no relisting), up to
   * {@link #PARALLEL_DELETES} deletes at a time, then listings again until one finds nothing (objects
   * written meanwhile). Stops at the first failure and throws it; what was deleted stays deleted.
   */
  static long deleteAll(ObjectStore store, Progress p) throws IOException, InterruptedException {
    long deleted = 0;
    while (true) {
      java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(PARALLEL_DELETES);
      java.util.concurrent.atomic.AtomicReference<IOException> failure = new java.util.concurrent.atomic.AtomicReference<>();
      java.util.concurrent.atomic.AtomicLong round = new java.util.concurrent.atomic.AtomicLong();
      try (var deleters = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
        for (ObjectInfo o : store.listAll("")) {
          if (o.key().equals(VolumeMarker.KEY)) {
            continue; // a volume in the old layout has its marker among its objects: it goes last
          }
          slots.acquire();
          if (failure.get() != null) {
            break;
          }
          deleters.execute(() -> {
            try {
              store.delete(o.key());
              p.add(1, 0);
              round.incrementAndGet();
            } catch (IOException e) {
              failure.compareAndSet(null, e);
            } finally {
              slots.release();
            }
          });
        }
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause(); // the listing failed
      }
      if (failure.get() != null) {
        throw failure.get();
      }
      deleted += round.get();
      if (round.get() == 0) {
        return deleted;
      }
    }
  }

  /** Null when the volume's storage answers a listing, else why not (one line: missing credentials, access denied, ...). */
  private static String reachable(Format objects, Secrets secrets) {
    try (ObjectStore s = Volumes.unchecked(objects, secrets)) {
      s.list("", "", null, 1);
      return null;
    } catch (IOException | RuntimeException e) {
      return Cli.message(e);
    }
  }

  /** A hint how to delete the objects with the storage's own tools. */
  private static String howToDelete(Format f) {
    String url = io.nectarfs.common.Uris.redact(f.storage());
    if (f.shards() > 1) {
      return " (in each of the " + f.shards() + " buckets)";
    }
    if (url.startsWith("file://")) {
      return ", e.g. rm -rf " + java.nio.file.Path.of(url.substring("file://".length()), f.objectPrefix());
    }
    if (url.startsWith("s3://")) {
      return ", e.g. aws s3 rm --recursive " + url.replaceAll("/+$", "") + "/" + f.objectPrefix();
    }
    return "";
  }
}
