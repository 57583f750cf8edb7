package io.nectarfs.csi;

import io.grpc.stub.StreamObserver;
import io.nectarfs.common.Ctx;
import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import io.nectarfs.csi.proto.CapacityRange;
import io.nectarfs.csi.proto.ControllerExpandVolumeRequest;
import io.nectarfs.csi.proto.ControllerExpandVolumeResponse;
import io.nectarfs.csi.proto.ControllerGetCapabilitiesRequest;
import io.nectarfs.csi.proto.ControllerGetCapabilitiesResponse;
import io.nectarfs.csi.proto.ControllerGrpc;
import io.nectarfs.csi.proto.ControllerServiceCapability;
import io.nectarfs.csi.proto.CreateVolumeRequest;
import io.nectarfs.csi.proto.CreateVolumeResponse;
import io.nectarfs.csi.proto.DeleteVolumeRequest;
import io.nectarfs.csi.proto.DeleteVolumeResponse;
import io.nectarfs.csi.proto.ValidateVolumeCapabilitiesRequest;
import io.nectarfs.csi.proto.ValidateVolumeCapabilitiesResponse;
import io.nectarfs.csi.proto.Volume;
import io.nectarfs.csi.proto.VolumeCapability;
import io.nectarfs.meta.Entry;
import io.nectarfs.meta.Meta;
import io.nectarfs.meta.MetaAdmin;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.Quota;
import io.nectarfs.meta.SetAttr;
import io.nectarfs.meta.Trees;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CSI Controller service: a PV is a subdirectory of a volume with a directory quota equal to
 * the requested capacity. Every RPC opens a metadata client from its secrets and closes it.
 *
 * <p>Concurrency: RPCs on the same volume name (CreateVolume) or id (DeleteVolume, expansion) are
 * serialised by a lock per name ({@link Stripes}); different names mostly run in parallel.
 * Idempotency itself comes from the metadata (the directory and its quota), so it holds across
 * controller restarts.
 */
final class ControllerService extends ControllerGrpc.ControllerImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(ControllerService.class);
  /** StorageClass parameters for the subdirectory's owner and mode. */
  static final String UID = "uid";
  static final String GID = "gid";
  static final String MODE = "mode";

  private final Stripes locks = new Stripes();
  private final PvcAnnotations pvcs;

  ControllerService(PvcAnnotations pvcs) {
    this.pvcs = pvcs;
  }

  @Override
  public void createVolume(CreateVolumeRequest req, StreamObserver<CreateVolumeResponse> out) {
    Statuses.answer("CreateVolume", out, () -> {
      if (req.getName().isEmpty()) {
        throw CsiException.invalid("name missing");
      }
      Capabilities.check(req.getVolumeCapabilitiesList(), "volume_capabilities");
      long[] range = range(req.hasCapacityRange() ? req.getCapacityRange() : null);
      long capacity = range[0] > 0 ? range[0] : range[1];
      Map<String, String> params = req.getParametersMap();
      VolumeIds.OnDelete onDelete = VolumeIds.onDelete(params);
      String subdir = VolumeIds.subdirOf(req.getName(), params);
      Map<String, String> owner = ownerSettings(params);
      int mode = octal(owner, MODE, 0777);
      int uid = number(owner, UID, -1);
      int gid = number(owner, GID, -1);
      synchronized (lock(req.getName())) {
        try (MetaClient m = MetaAccess.open(req.getSecretsMap())) {
          String fs = m.format().name();
          String id = VolumeIds.idOf(fs, onDelete, subdir);
          MetaAdmin admin = new MetaAdmin(m);
          long ino = existing(admin, subdir);
          if (ino != 0) {
            Quota q = admin.getQuota(ino);
            long have = q == null ? 0 : q.maxSpace();
            if (q == null && capacity > 0) {
              admin.setQuota(ino, capacity, 0); // an earlier call stopped before its quota: finish it
              have = capacity;
            } else if (!fits(have, range)) {
              throw new CsiException(io.grpc.Status.Code.ALREADY_EXISTS, "volume " + req.getName() + " exists at " + subdir
                  + " with capacity " + have + " bytes, which the requested range does not allow");
            }
            return answer(id, have, subdir, fs, params);
          }
          create(m, admin, subdir, mode, uid, gid, capacity);
          LOG.info("created volume {} at {} of {} (capacity {} bytes)", req.getName(), subdir, fs, capacity);
          return answer(id, capacity, subdir, fs, params);
        }
      }
    });
  }

  @Override
  public void deleteVolume(DeleteVolumeRequest req, StreamObserver<DeleteVolumeResponse> out) {
    Statuses.answer("DeleteVolume", out, () -> {
      if (req.getVolumeId().isEmpty()) {
        throw CsiException.invalid("volume_id missing");
      }
      Optional<VolumeIds.Dynamic> d = VolumeIds.parse(req.getVolumeId());
      if (d.isEmpty() || d.get().onDelete() == VolumeIds.OnDelete.RETAIN) {
        return DeleteVolumeResponse.getDefaultInstance(); // static, unknown or kept: nothing to remove
      }
      synchronized (lock(req.getVolumeId())) {
        try (MetaClient m = MetaAccess.open(req.getSecretsMap())) {
          sameVolume(m, d.get());
          MetaAdmin admin = new MetaAdmin(m);
          long ino = existing(admin, d.get().subdir());
          if (ino == 0) {
            return DeleteVolumeResponse.getDefaultInstance();
          }
          String path = d.get().subdir();
          int slash = path.lastIndexOf('/');
          long parent = slash == 0 ? Meta.ROOT : admin.resolve(path.substring(0, slash));
          long n = Trees.remove(m, Ctx.ROOT, parent, path.substring(slash + 1), 4, x -> {});
          admin.deleteQuota(ino);
          LOG.info("deleted volume {} ({} entries{})", req.getVolumeId(), n, m.format().trashDays() > 0 ? ", to the trash" : "");
          return DeleteVolumeResponse.getDefaultInstance();
        }
      }
    });
  }

  @Override
  public void controllerExpandVolume(ControllerExpandVolumeRequest req, StreamObserver<ControllerExpandVolumeResponse> out) {
    Statuses.answer("ControllerExpandVolume", out, () -> {
      if (req.getVolumeId().isEmpty()) {
        throw CsiException.invalid("volume_id missing");
      }
      if (!req.hasCapacityRange()) {
        throw CsiException.invalid("capacity_range missing");
      }
      long[] range = range(req.getCapacityRange());
      long capacity = range[0] > 0 ? range[0] : range[1];
      VolumeIds.Dynamic d = VolumeIds.parse(req.getVolumeId())
          .orElseThrow(() -> CsiException.notFound("volume " + req.getVolumeId() + " was not provisioned by this driver (static volumes have no quota to expand)"));
      synchronized (lock(req.getVolumeId())) {
        try (MetaClient m = MetaAccess.open(req.getSecretsMap())) {
          sameVolume(m, d);
          MetaAdmin admin = new MetaAdmin(m);
          long ino = existing(admin, d.subdir());
          if (ino == 0) {
            throw CsiException.notFound("volume " + req.getVolumeId() + ": " + d.subdir() + " does not exist");
          }
          Quota q = admin.getQuota(ino);
          long have = q == null ? 0 : q.maxSpace();
          if (have != 0 && (capacity == 0 || have < capacity)) {
            have = admin.setQuota(ino, capacity, q.maxInodes()).maxSpace(); // only raised: 0 (no limit) stays
            LOG.info("expanded volume {} to {} bytes", req.getVolumeId(), capacity);
          }
          return ControllerExpandVolumeResponse.newBuilder().setCapacityBytes(have).setNodeExpansionRequired(false).build();
        }
      }
    });
  }

  @Override
  public void validateVolumeCapabilities(ValidateVolumeCapabilitiesRequest req, StreamObserver<ValidateVolumeCapabilitiesResponse> out) {
    Statuses.answer("ValidateVolumeCapabilities", out, () -> {
      if (req.getVolumeId().isEmpty()) {
        throw CsiException.invalid("volume_id missing");
      }
      if (req.getVolumeCapabilitiesCount() == 0) {
        throw CsiException.invalid("volume_capabilities missing");
      }
      Optional<VolumeIds.Dynamic> d = VolumeIds.parse(req.getVolumeId());
      String subdir = d.map(VolumeIds.Dynamic::subdir).orElse(req.getVolumeContextMap().get(VolumeIds.SUBDIR));
      if (subdir == null) {
        throw CsiException.notFound("volume " + req.getVolumeId() + " unknown: neither a provisioned volume id nor a volume context with " + VolumeIds.SUBDIR);
      }
      if (!req.getSecretsMap().isEmpty()) {
        try (MetaClient m = MetaAccess.open(req.getSecretsMap())) {
          if (existing(new MetaAdmin(m), subdir) == 0) {
            throw CsiException.notFound("volume " + req.getVolumeId() + ": " + subdir + " does not exist");
          }
        }
      }
      for (VolumeCapability c : req.getVolumeCapabilitiesList()) {
        String why = Capabilities.unsupported(c);
        if (why != null) {
          return ValidateVolumeCapabilitiesResponse.newBuilder().setMessage(why).build();
        }
      }
      return ValidateVolumeCapabilitiesResponse.newBuilder().setConfirmed(ValidateVolumeCapabilitiesResponse.Confirmed.newBuilder()
          .putAllVolumeContext(req.getVolumeContextMap()).addAllVolumeCapabilities(req.getVolumeCapabilitiesList())
          .putAllParameters(req.getParametersMap())).build();
    });
  }

  @Override
  public void controllerGetCapabilities(ControllerGetCapabilitiesRequest req, StreamObserver<ControllerGetCapabilitiesResponse> out) {
    Statuses.answer("ControllerGetCapabilities", out, () -> {
      ControllerGetCapabilitiesResponse.Builder b = ControllerGetCapabilitiesResponse.newBuilder();
      for (ControllerServiceCapability.RPC.Type t : List.of(ControllerServiceCapability.RPC.Type.CREATE_DELETE_VOLUME,
          ControllerServiceCapability.RPC.Type.EXPAND_VOLUME)) {
        b.addCapabilities(ControllerServiceCapability.newBuilder().setRpc(ControllerServiceCapability.RPC.newBuilder().setType(t)));
      }
      return b.build();
    });
  }

  /** Creates {@code subdir} (parents 0755 as root) with its quota; removes what it made if a step fails. */
  /**
   * The StorageClass's {@code uid}, {@code gid} and {@code mode}, overridden by the claim's
   * {@link PvcAnnotations} when the provisioner names the claim.
   */
  private Map<String, String> ownerSettings(Map<String, String> params) throws IOException {
    String ns = params.getOrDefault(VolumeIds.PVC_NAMESPACE, "");
    String name = params.getOrDefault(VolumeIds.PVC_NAME, "");
    Map<String, String> owner = new HashMap<>(params);
    if (ns.isEmpty() || name.isEmpty()) {
      return owner;
    }
    Map<String, String> annotations;
    try {
      annotations = pvcs.of(ns, name);
    } catch (IOException e) {
      throw new CsiException(io.grpc.Status.Code.UNAVAILABLE, e.getMessage());
    }
    for (var e : Map.of(PvcAnnotations.UID, UID, PvcAnnotations.GID, GID, PvcAnnotations.MODE, MODE).entrySet()) {
      String v = annotations.get(e.getKey());
      if (v != null) {
        owner.put(e.getValue(), v);
      }
    }
    return owner;
  }

  private static void create(MetaClient m, MetaAdmin admin, String subdir, int mode, int uid, int gid, long capacity) throws IOException {
    List<String> parts = VolumeIds.components(subdir);
    long parent = Meta.ROOT;
    for (int i = 0; i < parts.size() - 1; i++) {
      try {
        parent = m.mkdir(Ctx.ROOT, parent, parts.get(i), 0755, 0).ino();
      } catch (FsException e) {
        if (e.errno() != Errno.EEXIST) {
          throw e;
        }
        parent = m.lookup(Ctx.ROOT, parent, parts.get(i)).ino();
      }
    }
    String name = parts.getLast();
    Entry dir = m.mkdir(Ctx.ROOT, parent, name, mode, 0);
    try {
      if (uid >= 0 || gid >= 0) {
        m.setattr(Ctx.ROOT, dir.ino(), SetAttr.chown(uid, gid));
      }
      if (capacity > 0) {
        admin.setQuota(dir.ino(), capacity, 0);
      }
    } catch (IOException | RuntimeException e) {
      try {
        admin.deleteQuota(dir.ino());
        m.rmdir(Ctx.ROOT, parent, name);
      } catch (IOException | RuntimeException undo) {
        e.addSuppressed(undo);
      }
      throw e;
    }
  }

  private static CreateVolumeResponse answer(String id, long capacity, String subdir, String fs, Map<String, String> params) {
    Map<String, String> ctx = new HashMap<>();
    params.forEach((k, v) -> {
      if (!k.startsWith("csi.storage.k8s.io/")) {
        ctx.put(k, v);
      }
    });
    ctx.put(VolumeIds.SUBDIR, subdir);
    ctx.put(VolumeIds.VOLUME_NAME, fs);
    return CreateVolumeResponse.newBuilder()
        .setVolume(Volume.newBuilder().setVolumeId(id).setCapacityBytes(capacity).putAllVolumeContext(ctx)).build();
  }

  /** The inode of {@code path}, or 0 when it does not exist; ENOTDIR etc. as errors. */
  static long existing(MetaAdmin admin, String path) throws IOException {
    try {
      return admin.resolve(path);
    } catch (FsException e) {
      if (e.errno() == Errno.ENOENT) {
        return 0;
      }
      throw e;
    }
  }

  private static void sameVolume(MetaClient m, VolumeIds.Dynamic d) {
    if (!m.format().name().equals(d.volumeName())) {
      throw CsiException.invalid("volume id names volume " + d.volumeName() + " but the secret's META_URL is volume " + m.format().name());
    }
  }

  /** {required, limit} (0: not given); INVALID_ARGUMENT for negative values, OUT_OF_RANGE for limit below required. */
  static long[] range(CapacityRange r) {
    if (r == null) {
      return new long[] {0, 0};
    }
    if (r.getRequiredBytes() < 0 || r.getLimitBytes() < 0) {
      throw CsiException.invalid("capacity_range has a negative size");
    }
    if (r.getLimitBytes() > 0 && r.getRequiredBytes() > r.getLimitBytes()) {
      throw new CsiException(io.grpc.Status.Code.OUT_OF_RANGE,
          "capacity_range: required_bytes " + r.getRequiredBytes() + " is above limit_bytes " + r.getLimitBytes());
    }
    return new long[] {r.getRequiredBytes(), r.getLimitBytes()};
  }

  /** Whether an existing capacity (0: no limit) satisfies {required, limit}. */
  private static boolean fits(long have, long[] range) {
    if (have == 0) {
      return range[0] == 0 && range[1] == 0;
    }
    return have >= range[0] && (range[1] == 0 || have <= range[1]);
  }

  private Object lock(String name) {
    return locks.of(name);
  }

  private static int octal(Map<String, String> p, String key, int dflt) {
    String v = p.get(key);
    try {
      return v == null ? dflt : Integer.parseInt(v, 8) & 07777;
    } catch (NumberFormatException e) {
      throw CsiException.invalid("parameter " + key + "=" + v + " is not an octal mode (e.g. 0775)");
    }
  }

  private static int number(Map<String, String> p, String key, int dflt) {
    String v = p.get(key);
    try {
      return v == null ? dflt : Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw CsiException.invalid("parameter " + key + "=" + v + " is not a number");
    }
  }
}
