package io.nectarfs.csi;

import io.grpc.stub.StreamObserver;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.common.Uris;
import io.nectarfs.csi.mount.MountSpec;
import io.nectarfs.csi.mount.Mounter;
import io.nectarfs.csi.proto.NodeExpandVolumeRequest;
import io.nectarfs.csi.proto.NodeExpandVolumeResponse;
import io.nectarfs.csi.proto.NodeGetCapabilitiesRequest;
import io.nectarfs.csi.proto.NodeGetCapabilitiesResponse;
import io.nectarfs.csi.proto.NodeGetInfoRequest;
import io.nectarfs.csi.proto.NodeGetInfoResponse;
import io.nectarfs.csi.proto.NodeGetVolumeStatsRequest;
import io.nectarfs.csi.proto.NodeGetVolumeStatsResponse;
import io.nectarfs.csi.proto.NodeGrpc;
import io.nectarfs.csi.proto.NodePublishVolumeRequest;
import io.nectarfs.csi.proto.NodePublishVolumeResponse;
import io.nectarfs.csi.proto.NodeServiceCapability;
import io.nectarfs.csi.proto.NodeUnpublishVolumeRequest;
import io.nectarfs.csi.proto.NodeUnpublishVolumeResponse;
import io.nectarfs.csi.proto.VolumeCondition;
import io.nectarfs.csi.proto.VolumeUsage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI Node service: asks the {@link Mounter} for the node-level mount of a PV's volume, then
 * bind-mounts the PV's subdirectory of it onto the pod's target path (read-only when asked).
 * No staging: kubelet calls publish per pod.
 *
 * <p>Concurrency: calls for the same target path are serialised by a lock per target ({@link Stripes}: publish,
 * unpublish and the remount recovery of that target); different targets run in parallel. What
 * was published where is kept in {@link TargetRecords} on disk, so a restarted plugin unpublishes
 * and recovers the targets of its predecessor.
 */
final class NodeService extends NodeGrpc.NodeImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(NodeService.class);
  /** Volume context key: {@code nectar mount} options for the node mount, comma separated (e.g. {@code --cache-size=10G}). */
  static final String MOUNT_OPTIONS = "mountOptions";

  private final String nodeId;
  private final long maxVolumes;
  private final Mounter mounter;
  private final TargetRecords records;
  private final Stripes locks = new Stripes();

  NodeService(String nodeId, long maxVolumes, Mounter mounter, TargetRecords records) {
    this.nodeId = nodeId;
    this.maxVolumes = maxVolumes;
    this.mounter = mounter;
    this.records = records;
    mounter.onRemount(this::remounted);
  }

  @Override
  public void nodePublishVolume(NodePublishVolumeRequest req, StreamObserver<NodePublishVolumeResponse> out) {
    Statuses.answer("NodePublishVolume", out, () -> {
      if (req.getVolumeId().isEmpty()) {
        throw CsiException.invalid("volume_id missing");
      }
      if (req.getTargetPath().isEmpty()) {
        throw CsiException.invalid("target_path missing");
      }
      if (!req.hasVolumeCapability()) {
        throw CsiException.invalid("volume_capability missing");
      }
      String why = Capabilities.unsupported(req.getVolumeCapability());
      if (why != null) {
        throw CsiException.invalid(why);
      }
      Path target = Path.of(req.getTargetPath()).toAbsolutePath().normalize();
      List<String> flags = req.getVolumeCapability().getMount().getMountFlagsList();
      boolean readOnly = req.getReadonly() || Capabilities.readOnlyMode(req.getVolumeCapability()) || flags.contains("ro");
      String subdir = subdir(req.getVolumeId(), req.getVolumeContextMap());
      Map<String, String> context = req.getVolumeContextMap();
      MountSpec spec = spec(context, flags, req.getSecretsMap());
      synchronized (lock(target)) {
        if (BindMounts.isMountPoint(target)) {
          TargetRecords.Target t = records.get(target);
          // the same volume and options (the key's hash part: a static PV's key gets the volume name only once mounted)
          boolean sameMount = t == null || t.key().substring(t.key().lastIndexOf('-')).equals(spec.key().substring(spec.key().lastIndexOf('-')));
          if (t != null && (!sameMount || !t.subdir().equals(subdir) || t.readOnly() != readOnly)) {
            throw new CsiException(io.grpc.Status.Code.ALREADY_EXISTS, "target " + target + " is already published with other settings");
          }
          return NodePublishVolumeResponse.getDefaultInstance();
        }
        // a wrong URL or an unreachable engine fails here with its status, not as a dead mount
        String volumeName = MetaAccess.check(req.getSecretsMap());
        if (!context.containsKey(VolumeIds.VOLUME_NAME)) {
          Map<String, String> named = new java.util.HashMap<>(context);
          named.put(VolumeIds.VOLUME_NAME, volumeName); // a static PV: the mount is named after the volume
          spec = spec(named, flags, req.getSecretsMap());
        }
        Path mountPoint = mounter.acquire(spec, target.toString());
        try {
          Path source = source(mountPoint, subdir);
          if (!Files.isDirectory(source)) {
            throw CsiException.notFound("volume " + req.getVolumeId() + ": " + subdir + " does not exist in volume " + spec.volumeName());
          }
          Files.createDirectories(target);
          records.put(new TargetRecords.Target(target, spec.key(), subdir, readOnly));
          BindMounts.bind(source, target, readOnly);
        } catch (IOException | RuntimeException e) {
          try {
            BindMounts.unmount(target);
            records.remove(target);
            mounter.release(spec.key(), target.toString());
          } catch (IOException | RuntimeException undo) {
            e.addSuppressed(undo);
          }
          throw e;
        }
        LOG.info("published {} ({}{}) at {}", req.getVolumeId(), subdir, readOnly ? ", read-only" : "", target);
        return NodePublishVolumeResponse.getDefaultInstance();
      }
    });
  }

  @Override
  public void nodeUnpublishVolume(NodeUnpublishVolumeRequest req, StreamObserver<NodeUnpublishVolumeResponse> out) {
    Statuses.answer("NodeUnpublishVolume", out, () -> {
      if (req.getVolumeId().isEmpty()) {
        throw CsiException.invalid("volume_id missing");
      }
      if (req.getTargetPath().isEmpty()) {
        throw CsiException.invalid("target_path missing");
      }
      Path target = Path.of(req.getTargetPath()).toAbsolutePath().normalize();
      synchronized (lock(target)) {
        BindMounts.unmount(target);
        try {
          Files.deleteIfExists(target);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
          LOG.warn("target {} not removed: not empty after unmount", target);
        }
        TargetRecords.Target t = records.get(target);
        if (t != null) {
          mounter.release(t.key(), target.toString());
          records.remove(target);
        }
        return NodeUnpublishVolumeResponse.getDefaultInstance();
      }
    });
  }

  @Override
  public void nodeGetVolumeStats(NodeGetVolumeStatsRequest req, StreamObserver<NodeGetVolumeStatsResponse> out) {
    Statuses.answer("NodeGetVolumeStats", out, () -> {
      if (req.getVolumeId().isEmpty()) {
        throw CsiException.invalid("volume_id missing");
      }
      if (req.getVolumePath().isEmpty()) {
        throw CsiException.invalid("volume_path missing");
      }
      Path path = Path.of(req.getVolumePath());
      StatVfs s;
      try {
        s = StatVfs.of(path);
      } catch (FsException e) {
        if (e.errno() == Errno.ENOENT) {
          throw CsiException.notFound("volume path " + path + " does not exist");
        }
        return NodeGetVolumeStatsResponse.newBuilder()
            .setVolumeCondition(VolumeCondition.newBuilder().setAbnormal(true).setMessage("statfs " + path + ": " + e.errno().description()))
            .build();
      }
      return NodeGetVolumeStatsResponse.newBuilder()
          .addUsage(VolumeUsage.newBuilder().setUnit(VolumeUsage.Unit.BYTES).setTotal(s.totalBytes()).setAvailable(s.availableBytes()).setUsed(s.usedBytes()))
          .addUsage(VolumeUsage.newBuilder().setUnit(VolumeUsage.Unit.INODES).setTotal(s.files()).setAvailable(s.filesFree()).setUsed(s.files() - s.filesFree()))
          .setVolumeCondition(VolumeCondition.newBuilder().setAbnormal(false).setMessage("mounted"))
          .build();
    });
  }

  /** Nothing to do on the node (the quota was raised by the controller); answers the size the mount now shows. */
  @Override
  public void nodeExpandVolume(NodeExpandVolumeRequest req, StreamObserver<NodeExpandVolumeResponse> out) {
    Statuses.answer("NodeExpandVolume", out, () -> {
      if (req.getVolumeId().isEmpty()) {
        throw CsiException.invalid("volume_id missing");
      }
      if (req.getVolumePath().isEmpty()) {
        throw CsiException.invalid("volume_path missing");
      }
      Path path = Path.of(req.getVolumePath());
      if (!Files.exists(path)) {
        throw CsiException.notFound("volume path " + path + " does not exist");
      }
      return NodeExpandVolumeResponse.newBuilder().setCapacityBytes(StatVfs.of(path).totalBytes()).build();
    });
  }

  @Override
  public void nodeGetCapabilities(NodeGetCapabilitiesRequest req, StreamObserver<NodeGetCapabilitiesResponse> out) {
    Statuses.answer("NodeGetCapabilities", out, () -> {
      NodeGetCapabilitiesResponse.Builder b = NodeGetCapabilitiesResponse.newBuilder();
      for (NodeServiceCapability.RPC.Type t : List.of(NodeServiceCapability.RPC.Type.GET_VOLUME_STATS,
          NodeServiceCapability.RPC.Type.EXPAND_VOLUME, NodeServiceCapability.RPC.Type.VOLUME_CONDITION)) {
        b.addCapabilities(NodeServiceCapability.newBuilder().setRpc(NodeServiceCapability.RPC.newBuilder().setType(t)));
      }
      return b.build();
    });
  }

  @Override
  public void nodeGetInfo(NodeGetInfoRequest req, StreamObserver<NodeGetInfoResponse> out) {
    Statuses.answer("NodeGetInfo", out, () -> NodeGetInfoResponse.newBuilder().setNodeId(nodeId).setMaxVolumesPerNode(maxVolumes).build());
  }

  /** The mounter's listener: re-binds every reference of {@code key} from the new mount point. */
  private void remounted(String key, Path mountPoint) {
    Thread.ofVirtual().name("csi-rebind-" + key).start(() -> {
      try {
        for (String ref : mounter.references(key)) {
          Path target = Path.of(ref);
          synchronized (lock(target)) {
            TargetRecords.Target t = records.get(target);
            if (t == null || !t.key().equals(key)) {
              continue;
            }
            Path source = source(mountPoint, t.subdir());
            if (sameDirectory(target, source)) {
              LOG.info("{} still shows {} after the mount {} came back (its descriptors were kept): left as it is", target, source, key);
              continue;
            }
            try {
              BindMounts.unmount(target);
              BindMounts.bind(source, target, t.readOnly());
              LOG.info("re-established {} after the mount {} came back", target, key);
            } catch (IOException | RuntimeException e) {
              LOG.warn("cannot re-establish {} after the mount {} came back: {}", target, key, e.getMessage());
            }
          }
        }
      } catch (IOException e) {
        LOG.warn("cannot list the references of {}: {}", key, e.getMessage());
      }
    });
  }

  /**
   * Whether {@code target} answers and is the directory {@code source} is (same device and inode):
   * a mount whose descriptors were kept across its server's restart, whose bind mounts need
   * nothing. A target of a dead mount fails the stat (ENOTCONN) and is bound again.
   */
  private static boolean sameDirectory(Path target, Path source) {
    try {
      Map<String, Object> a = Files.readAttributes(target, "unix:dev,ino");
      Map<String, Object> b = Files.readAttributes(source, "unix:dev,ino");
      return a.get("dev").equals(b.get("dev")) && a.get("ino").equals(b.get("ino"));
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static Path source(Path mountPoint, String subdir) {
    String rel = subdir.startsWith("/") ? subdir.substring(1) : subdir;
    return rel.isEmpty() ? mountPoint : mountPoint.resolve(rel);
  }

  /** The PV's subdirectory: from the volume context (static PVs, and what CreateVolume answered), else from a dynamic id; "/" for a whole-volume static PV. */
  static String subdir(String volumeId, Map<String, String> context) {
    String s = context.get(VolumeIds.SUBDIR);
    if (s != null) {
      try {
        List<String> parts = VolumeIds.components(s);
        return "/" + String.join("/", parts);
      } catch (IllegalArgumentException e) {
        throw CsiException.invalid("volume context " + VolumeIds.SUBDIR + ": " + e.getMessage());
      }
    }
    return VolumeIds.parse(volumeId).map(VolumeIds.Dynamic::subdir).orElse("/");
  }

  /**
   * The node mount a PV needs. Its key depends on the volume (the metadata URL without its
   * credentials) and the mount options, so every PV of a volume with the same options shares one
   * mount on the node. Options: the volume context's {@value #MOUNT_OPTIONS} and the PV's
   * {@code mountOptions} (the capability's mount flags; {@code ro} there means a read-only bind).
   */
  static MountSpec spec(Map<String, String> context, List<String> mountFlags, Map<String, String> secrets) throws IOException {
    String url = MetaAccess.metaUrl(secrets);
    List<String> options = new ArrayList<>();
    List<String> given = new ArrayList<>(List.of(context.getOrDefault(MOUNT_OPTIONS, "").split(",")));
    given.addAll(mountFlags);
    for (String o : given) {
      String t = o.strip();
      if (t.isEmpty() || t.equals("ro") || t.equals("rw")) {
        continue;
      }
      if (!t.startsWith("--")) {
        throw CsiException.invalid("mount option '" + t + "' is not a nectar mount option (e.g. --cache-size=10G)");
      }
      if (!options.contains(t)) {
        options.add(t);
      }
    }
    String name = Optional.ofNullable(context.get(VolumeIds.VOLUME_NAME)).orElse(host(url));
    Map<String, String> all = new java.util.HashMap<>(secrets);
    all.put(MetaAccess.META_URL, url); // resolved from META_URL_FILE when that is how it came
    all.remove(MetaAccess.META_URL + "_FILE");
    return new MountSpec(key(name, Uris.redact(url), options), name, all, options, context);
  }

  private static String host(String url) {
    String s = Uris.withoutCredentials(url);
    int i = s.indexOf("://");
    return i < 0 ? "nectar" : s.substring(i + 3).replaceAll("[^a-zA-Z0-9]+", "-");
  }

  /** {@code nectar-<name>-<hash>}: lower-case letters, digits and '-', at most 63 characters. */
  static String key(String name, String redactedUrl, List<String> options) {
    String clean = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    if (clean.length() > 36) {
      clean = clean.substring(0, 36).replaceAll("-+$", "");
    }
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      d.update(redactedUrl.getBytes(StandardCharsets.UTF_8));
      for (String o : options) {
        d.update((byte) 0);
        d.update(o.getBytes(StandardCharsets.UTF_8));
      }
      return "nectar-" + (clean.isEmpty() ? "" : clean + "-") + HexFormat.of().formatHex(d.digest(), 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Object lock(Path target) {
    return locks.of(target);
  }
}
