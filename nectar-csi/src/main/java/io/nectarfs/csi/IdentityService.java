package io.nectarfs.csi;

import com.google.protobuf.BoolValue;
import io.grpc.stub.StreamObserver;
import io.nectarfs.csi.proto.GetPluginCapabilitiesRequest;
import io.nectarfs.csi.proto.GetPluginCapabilitiesResponse;
import io.nectarfs.csi.proto.GetPluginInfoRequest;
import io.nectarfs.csi.proto.GetPluginInfoResponse;
import io.nectarfs.csi.proto.IdentityGrpc;
import io.nectarfs.csi.proto.PluginCapability;
import io.nectarfs.csi.proto.ProbeRequest;
import io.nectarfs.csi.proto.ProbeResponse;

/** The CSI Identity service: name, capabilities (controller service, online expansion), and a probe of the engine. */
final class IdentityService extends IdentityGrpc.IdentityImplBase {
  private final String version;
  private final boolean controller;
  private final CsiDriver.Probe probe;

  IdentityService(String version, boolean controller, CsiDriver.Probe probe) {
    this.version = version;
    this.controller = controller;
    this.probe = probe;
  }

  @Override
  public void getPluginInfo(GetPluginInfoRequest req, StreamObserver<GetPluginInfoResponse> out) {
    Statuses.answer("GetPluginInfo", out, () -> GetPluginInfoResponse.newBuilder().setName(CsiDriver.NAME).setVendorVersion(version).build());
  }

  @Override
  public void getPluginCapabilities(GetPluginCapabilitiesRequest req, StreamObserver<GetPluginCapabilitiesResponse> out) {
    Statuses.answer("GetPluginCapabilities", out, () -> {
      GetPluginCapabilitiesResponse.Builder b = GetPluginCapabilitiesResponse.newBuilder();
      if (controller) {
        b.addCapabilities(PluginCapability.newBuilder()
            .setService(PluginCapability.Service.newBuilder().setType(PluginCapability.Service.Type.CONTROLLER_SERVICE)));
      }
      b.addCapabilities(PluginCapability.newBuilder()
          .setVolumeExpansion(PluginCapability.VolumeExpansion.newBuilder().setType(PluginCapability.VolumeExpansion.Type.ONLINE)));
      return b.build();
    });
  }

  /** Ready when the probe passes; its failure maps to a status (UNAVAILABLE for an unreachable engine). */
  @Override
  public void probe(ProbeRequest req, StreamObserver<ProbeResponse> out) {
    Statuses.answer("Probe", out, () -> {
      probe.check();
      return ProbeResponse.newBuilder().setReady(BoolValue.of(true)).build();
    });
  }
}
