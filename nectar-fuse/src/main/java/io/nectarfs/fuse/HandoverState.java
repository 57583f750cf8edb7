package io.nectarfs.fuse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nectarfs.common.Names;
import io.nectarfs.fuse.wire.InitState;
import io.nectarfs.vfs.HandleTable;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Everything a successor needs, besides the {@code /dev/fuse} descriptors, to go on serving a
 * mount that its predecessor handed over (issue #17): the mount point, what INIT negotiated, the
 * mount options, and the VFS's open handles with the metadata session they hang on ({@link
 * HandleTable}: handles, directory cursors; open-but-unlinked files and locks through the
 * session). Taken by {@link FuseServer#handOver()} after every writer's data is durable; continued
 * by {@link FuseServer#takeOver}. The descriptors travel separately ({@link FuseSession#sendTo},
 * SCM_RIGHTS).
 *
 * <h2>Encoding contract</h2>
 *
 * <ul>
 *   <li>{@link #encode()} writes UTF-8 JSON: {@code {"format":"nectarfs-handover","version":N,...}}.
 *       Names and byte contents are base64 of their bytes (names through {@link Names}, so names
 *       that are not UTF-8 survive); durations are nanoseconds.
 *   <li>{@link #decode} reads every version from 1 up to {@link #VERSION}: a field a version did
 *       not write takes its default (mount options: {@link MountOptions#defaults()}), so version
 *       N+1 reads what N wrote. A newer version, another format, a handle kind it does not know or
 *       a malformed document is refused with an {@link IOException} whose one-line message says
 *       which: the running mount is then left alone by the caller.
 *   <li>A new version is needed when a reader of the current one would misread a document (a
 *       field whose absence does not mean its default, a new handle kind); adding a field with a
 *       harmless default is not one.
 * </ul>
 *
 * @param mountpoint where the connection is mounted
 * @param init what INIT negotiated (replies are sized by it; no second INIT comes)
 * @param options the options the mount was made and served with
 * @param handles the VFS's open handles and the metadata session holding them
 */
public record HandoverState(String mountpoint, InitState init, MountOptions options, HandleTable handles) {
  /** The version {@link #encode()} writes and the newest {@link #decode} reads. */
  public static final int VERSION = 1;

  /**
   * The version this build writes and the newest it reads, {@link #VERSION}. Other classes ask this
   * method rather than read the constant, which javac would copy into them: the version of a build
   * is this class's alone.
   */
  public static int version() {
    return VERSION;
  }

  static final String FORMAT = "nectarfs-handover";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Base64.Decoder UNB64 = Base64.getDecoder();

  public HandoverState {
    Objects.requireNonNull(mountpoint, "mountpoint");
    Objects.requireNonNull(init, "init");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(handles, "handles");
  }

  /** The session a successor serves: {@code fds} (received with SCM_RIGHTS, the mounted one first) with this state's INIT. */
  public FuseSession session(int[] fds) {
    return new FuseSession(mountpoint, fds, init);
  }

  /** The JSON form (see the class contract), at {@link #VERSION}. */
  public byte[] encode() {
    return encode(version());
  }

  /** The JSON form claiming {@code version} (tests of the version rules). */
  byte[] encode(int version) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", FORMAT).put("version", version).put("mountpoint", b64(Names.encode(mountpoint)));
    ObjectNode i = o.putObject("init");
    i.put("major", init.major()).put("minor", init.minor()).put("kernelMinor", init.kernelMinor()).put("flags", init.flags())
        .put("kernelFlags", init.kernelFlags()).put("maxWrite", init.maxWrite()).put("maxReadahead", init.maxReadahead())
        .put("maxPages", init.maxPages()).put("maxBackground", init.maxBackground()).put("congestionThreshold", init.congestionThreshold())
        .put("timeGran", init.timeGran());
    o.set("options", encodeOptions(options));
    o.put("session", handles.sessionId()).put("nextFh", handles.nextFh());
    ArrayNode hs = o.putArray("handles");
    for (HandleTable.Open h : handles.handles()) {
      ObjectNode x = hs.addObject().put("fh", h.fh());
      switch (h) {
        case HandleTable.File f -> x.put("kind", "file").put("ino", f.ino()).put("flags", f.flags());
        case HandleTable.Dir d -> {
          x.put("kind", "dir").put("ino", d.ino()).put("complete", d.complete()).put("lastName", b64(Names.encode(d.lastName())));
          ArrayNode es = x.putArray("entries");
          for (HandleTable.Entry e : d.entries()) {
            es.addArray().add(b64(Names.encode(e.name()))).add(e.ino()).add(e.dtype());
          }
        }
        case HandleTable.Internal in -> x.put("kind", "internal").put("ino", in.ino()).put("content", b64(in.content()));
        case HandleTable.Control c -> x.put("kind", "control").put("request", b64(c.request())).put("answer", b64(c.answer()))
            .put("answerBase", c.answerBase());
      }
    }
    try {
      return JSON.writeValueAsBytes(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("handover state not encodable", e); // a tree of plain values always is
    }
  }

  /**
   * Reads a state written by {@link #encode()} of this version or an older one.
   *
   * @throws IOException one line: not a handover state, a version newer than {@link #VERSION}, an
   *     unknown handle kind, or a missing or malformed field
   */
  public static HandoverState decode(byte[] bytes) throws IOException {
    JsonNode o;
    try {
      o = JSON.readTree(bytes);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException("not a NectarFS handover state (malformed JSON: " + e.getOriginalMessage() + ")");
    }
    if (o == null || !o.isObject() || !FORMAT.equals(o.path("format").asText(null))) {
      throw new IOException("not a NectarFS handover state (no \"format\":\"" + FORMAT + "\")");
    }
    int version = o.path("version").asInt(0);
    if (version < 1) {
      throw new IOException("handover state without a valid version");
    }
    if (version > version()) {
      throw new IOException("handover state version " + version + " is newer than this build reads (up to " + version()
          + "): a takeover must go to the same or a newer build");
    }
    try {
      JsonNode i = need(o, "init");
      InitState init = new InitState(int32(i, "major"), int32(i, "minor"), int32(i, "kernelMinor"), int64(i, "flags"),
          int64(i, "kernelFlags"), int32(i, "maxWrite"), int32(i, "maxReadahead"), int32(i, "maxPages"), int32(i, "maxBackground"),
          int32(i, "congestionThreshold"), int32(i, "timeGran"));
      List<HandleTable.Open> handles = new ArrayList<>();
      for (JsonNode h : need(o, "handles")) {
        long fh = int64(h, "fh");
        String kind = need(h, "kind").asText();
        handles.add(switch (kind) {
          case "file" -> new HandleTable.File(fh, int64(h, "ino"), int32(h, "flags"));
          case "dir" -> {
            List<HandleTable.Entry> entries = new ArrayList<>();
            for (JsonNode e : need(h, "entries")) {
              entries.add(new HandleTable.Entry(Names.decode(bytes(e.get(0))), e.get(1).asLong(), e.get(2).asInt()));
            }
            yield new HandleTable.Dir(fh, int64(h, "ino"), entries, need(h, "complete").asBoolean(), Names.decode(bytes(need(h, "lastName"))));
          }
          case "internal" -> new HandleTable.Internal(fh, int64(h, "ino"), bytes(need(h, "content")));
          case "control" -> new HandleTable.Control(fh, bytes(need(h, "request")), bytes(need(h, "answer")), int64(h, "answerBase"));
          default -> throw new IOException("handover state has a handle of unknown kind '" + kind + "' (written by a newer build?)");
        });
      }
      HandleTable table = new HandleTable(int64(o, "session"), int64(o, "nextFh"), handles);
      String mp = Names.decode(bytes(need(o, "mountpoint")));
      return new HandoverState(mp, init, decodeOptions(o.path("options")), table);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IOException("malformed handover state: " + e.getMessage());
    }
  }

  // ---- mount options: every record component by name, so a new option needs no code here ----

  private static ObjectNode encodeOptions(MountOptions m) {
    ObjectNode o = JSON.createObjectNode();
    for (RecordComponent c : MountOptions.class.getRecordComponents()) {
      Object v = component(c, m);
      switch (v) {
        case String s -> o.put(c.getName(), s);
        case Boolean b -> o.put(c.getName(), b);
        case Integer n -> o.put(c.getName(), n);
        case Duration d -> o.put(c.getName() + "Nanos", d.toNanos());
        default -> throw new IllegalStateException("mount option " + c.getName() + " of type " + v.getClass() + " has no encoding");
      }
    }
    return o;
  }

  /** The options in {@code o}; an option it lacks (written by an older build) takes its default. */
  private static MountOptions decodeOptions(JsonNode o) throws IOException {
    MountOptions defaults = MountOptions.defaults();
    RecordComponent[] cs = MountOptions.class.getRecordComponents();
    Object[] args = new Object[cs.length];
    Class<?>[] types = new Class<?>[cs.length];
    for (int k = 0; k < cs.length; k++) {
      RecordComponent c = cs[k];
      types[k] = c.getType();
      Object d = component(c, defaults);
      JsonNode v = o.get(c.getType() == Duration.class ? c.getName() + "Nanos" : c.getName());
      args[k] = v == null || v.isNull() ? d : switch (d) {
        case String s -> v.asText();
        case Boolean b -> v.asBoolean();
        case Integer n -> v.asInt();
        case Duration x -> Duration.ofNanos(v.asLong());
        default -> throw new IllegalStateException("mount option " + c.getName() + " has no encoding");
      };
    }
    try {
      return MountOptions.class.getDeclaredConstructor(types).newInstance(args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw new IOException("handover state has invalid mount options: " + e.getCause().getMessage());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object component(RecordComponent c, MountOptions m) {
    try {
      return c.getAccessor().invoke(m);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- field helpers ----

  private static String b64(byte[] b) {
    return B64.encodeToString(b);
  }

  private static byte[] bytes(JsonNode n) throws IOException {
    if (n == null || !n.isTextual()) {
      throw new IOException("malformed handover state: a base64 field is missing");
    }
    return UNB64.decode(n.asText());
  }

  private static JsonNode need(JsonNode o, String field) throws IOException {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      throw new IOException("malformed handover state: no \"" + field + "\"");
    }
    return v;
  }

  private static long int64(JsonNode o, String field) throws IOException {
    JsonNode v = need(o, field);
    if (!v.canConvertToLong()) {
      throw new IOException("malformed handover state: \"" + field + "\" is not a number");
    }
    return v.asLong();
  }

  private static int int32(JsonNode o, String field) throws IOException {
    JsonNode v = need(o, field);
    if (!v.canConvertToInt()) {
      throw new IOException("malformed handover state: \"" + field + "\" is not a 32-bit number");
    }
    return v.asInt();
  }

  @Override
  public String toString() {
    return "HandoverState[" + mountpoint + ", session " + handles.sessionId() + ", " + handles.handles().size() + " handles, " + init + "]";
  }
}
