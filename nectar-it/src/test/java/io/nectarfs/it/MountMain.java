package io.nectarfs.it;

import java.nio.file.Path;

/** A child process for {@link MountFaultsTest}: mounts a volume under the given directory and serves until killed. */
public final class MountMain {
  private MountMain() {}

  public static void main(String[] args) throws Exception {
    MountedVolume v = MountedVolume.mount(Path.of(args[0]));
    System.out.println("mounted " + v.mnt);
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
