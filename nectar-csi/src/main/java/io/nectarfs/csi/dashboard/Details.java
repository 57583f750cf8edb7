package io.nectarfs.csi.dashboard;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.nectarfs.csi.pod.MountPods;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The detail of one pod: an application pod with its relations and events, or a mount pod with
 * its relations, events, metrics and mount command (redacted; environment variables by name and
 * source only, never a value).
 */
final class Details {
  static final int EVENTS = 20;

  /** An environment variable of the mount container: its name and where its value comes from, never the value. */
  record Env(String name, String source) {}

  /**
   * One pod's detail; {@code appPod} or {@code mountPod} is set. {@code eventsError}: why events
   * are missing. {@code metrics}: null when the mount serves none or did not answer.
   */
  record Detail(String kind, Model.AppPod appPod, Model.MountPod mountPod, List<Model.Event> events, String eventsError, Model.Metrics metrics,
      List<String> mountCommand, List<Env> env, String mountPoint, String image) {}

  private Details() {}

  /** The detail of pod {@code ns/name}, or empty when the overview shows no such pod. */
  static Optional<Detail> of(String ns, String name, Model.Overview o, Inputs in, Lookups lookups) {
    String id = ns + "/" + name;
    Optional<Model.AppPod> app = o.pods().stream().filter(p -> p.id().equals(id)).findFirst();
    Optional<Model.MountPod> mount = o.mountPods().stream().filter(p -> p.id().equals(id)).findFirst();
    if (app.isEmpty() && mount.isEmpty()) {
      return Optional.empty();
    }
    List<Model.Event> events = List.of();
    String eventsError = null;
    try {
      events = lookups.events(ns, "Pod", name, EVENTS);
    } catch (IOException e) {
      eventsError = e.getMessage();
    }
    if (app.isPresent()) {
      return Optional.of(new Detail("app", app.get(), null, events, eventsError, null, List.of(), List.of(), null, null));
    }
    Pod pod = in.pods().stream().filter(p -> Relations.id(p.getMetadata()).equals(id)).findFirst().orElse(null);
    Container c = pod == null ? null : container(pod);
    List<String> command = pod == null ? List.of() : command(pod);
    List<Env> env = new ArrayList<>();
    if (c != null) {
      for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
        env.add(new Env(e.getName(), source(e)));
      }
    }
    String mountPoint = mountPoint(command);
    Model.Metrics metrics = pod == null || mount.get().state() != Model.State.OK ? null : lookups.metrics(pod).orElse(null);
    return Optional.of(new Detail("mount", null, mount.get(), events, eventsError, metrics, Redact.command(command), env, mountPoint,
        c == null ? null : c.getImage()));
  }

  private static Container container(Pod pod) {
    return pod.getSpec().getContainers().stream().filter(x -> MountPods.CONTAINER.equals(x.getName())).findFirst().orElse(null);
  }

  /** The mount container's command and arguments, as in the pod (not redacted). */
  static List<String> command(Pod pod) {
    Container c = container(pod);
    List<String> command = new ArrayList<>();
    if (c != null) {
      command.addAll(c.getCommand() == null ? List.of() : c.getCommand());
      command.addAll(c.getArgs() == null ? List.of() : c.getArgs());
    }
    return command;
  }

  /** The mount point of {@code nectar mount [options] META-URL MOUNTPOINT [options]}: the second non-option argument after "mount". */
  static String mountPoint(List<String> command) {
    int m = command.indexOf("mount");
    if (m < 0) {
      return null;
    }
    List<String> positional = command.subList(m + 1, command.size()).stream().filter(a -> !a.startsWith("-")).toList();
    return positional.size() >= 2 ? positional.get(1) : null;
  }

  private static String source(EnvVar e) {
    if (e.getValueFrom() == null) {
      return e.getValue() == null ? "empty" : "literal value (not shown)";
    }
    if (e.getValueFrom().getSecretKeyRef() != null) {
      return "Secret " + e.getValueFrom().getSecretKeyRef().getName() + " key " + e.getValueFrom().getSecretKeyRef().getKey();
    }
    if (e.getValueFrom().getConfigMapKeyRef() != null) {
      return "ConfigMap " + e.getValueFrom().getConfigMapKeyRef().getName() + " key " + e.getValueFrom().getConfigMapKeyRef().getKey();
    }
    if (e.getValueFrom().getFieldRef() != null) {
      return "field " + e.getValueFrom().getFieldRef().getFieldPath();
    }
    return "reference";
  }
}
