package io.nectarfs.it;

import java.nio.file.Path;

/**
 * A child process for {@link MountFaultsTest} and {@link PodMountRecoveryTest}: mounts a fresh volume
 * under the given directory (or, with a second argument {@code again}, the volume formatted there
 * before) and serves until killed.
 */
public final class MountMain {
  private MountMain() {}

  public static void main(String[] args) throws Exception {
    MountedVolume v = args.length > 1 && args[1].equals("again") ? MountedVolume.remount(Path.of(args[0])) : MountedVolume.mount(Path.of(args[0]));
    System.out.println("mounted " + v.mnt);
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
