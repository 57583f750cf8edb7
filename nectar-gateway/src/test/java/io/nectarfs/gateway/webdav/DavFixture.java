package io.nectarfs.gateway.webdav;

import io.nectarfs.common.Clock;
import io.nectarfs.common.Secrets;
import io.nectarfs.meta.Format;
import io.nectarfs.volume.CacheOptions;
import io.nectarfs.volume.FormatRequest;
import io.nectarfs.volume.Volume;
import io.nectarfs.volume.VolumeOptions;
import io.nectarfs.volume.Volumes;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.UUID;

/** A fresh in-memory volume served by a {@link WebDavServer} on a free port of 127.0.0.1. */
final class DavFixture implements AutoCloseable {
  final Volume volume;
  final WebDavServer server;

  private DavFixture(Volume volume, WebDavServer server) {
    this.volume = volume;
    this.server = server;
  }

  static DavFixture start(BasicAuth auth, Clock clock) throws IOException {
    return start(auth, clock, false);
  }

  static DavFixture start(BasicAuth auth, Clock clock, boolean readOnly) throws IOException {
    String url = "mem://webdav-" + UUID.randomUUID();
    Secrets none = new Secrets(Map.of());
    Format wanted = Format.builder("dav", url).blockSize(1 << 20).createdMillis(System.currentTimeMillis()).build();
    Volumes.format(url, wanted, FormatRequest.defaults().withSecrets(none));
    Volume v = Volume.open(url, VolumeOptions.defaults().withSecrets(none).withCache(CacheOptions.memoryOnly(64L << 20)).withClientName("webdav-test"));
    try {
      WebDavServer s = WebDavServer.start(v.fileSystem(), WebDavServer.Options.of(new InetSocketAddress("127.0.0.1", 0), auth).withClock(clock).withReadOnly(readOnly).withMetrics(v.metrics()));
      return new DavFixture(v, s);
    } catch (IOException | RuntimeException e) {
      v.close();
      throw e;
    }
  }

  static DavFixture start() throws IOException {
    return start(BasicAuth.none(0, 0), Clock.SYSTEM);
  }

  String url() {
    return server.url();
  }

  @Override
  public void close() throws IOException {
    try {
      server.close();
    } finally {
      volume.close();
    }
  }

  /** Serves until killed: {@code java ... DavFixture} prints the URL (for running litmus by hand). */
  public static void main(String[] args) throws Exception {
    DavFixture f = start();
    System.out.println(f.url());
    System.out.flush();
    f.server.join();
  }
}
