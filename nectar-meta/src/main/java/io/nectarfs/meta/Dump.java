package io.nectarfs.meta;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nectarfs.common.Names;
import io.nectarfs.meta.kv.Bytes;
import io.nectarfs.meta.kv.KvTxn;
import io.nectarfs.meta.kv.Transactions;
import io.nectarfs.meta.kv.TxnKv;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code nectar dump} and {@code nectar load}: the whole volume as one engine-neutral JSON
 * document, written and read as a stream.
 *
 * <pre>
 * { "version": 1,
 *   "format":   the format record (the encryption key PEM only when asked),
 *   "counters": nextInode, nextSlice, nextTrash, nextAcl, usedSpace, totalInodes,
 *   "acls":     [ {"id", "acl": getfacl text} ],
 *   "quotas":   [ {"ino", "maxSpace", "maxInodes", "usedSpace", "usedInodes"} ],
 *   "sliceRefs":[ {"id", "size", "extra"} ]           references beyond the first,
 *   "nodes":    [ {"parent", "name", "ino", "attr", "xattrs", "symlink", "chunks"} ]
 *               depth first from the root, then the trash; entries in name order; a hard link
 *               seen again is {"parent", "name", "ino"} only; a name, symlink target or xattr
 *               name that is not valid UTF-8 is written as "nameB64", "symlinkB64" or an entry of
 *               "xattrsB64" instead (base64 of the exact bytes; see {@link Names}),
 *   "pending":  [ {"ino", "delfile", "chunks"} ]        removed files whose data awaits deletion }
 * </pre>
 *
 * Directory statistics and hard-link parent records are rebuilt by the load; sessions, locks and
 * the queue of slices to free are not dumped. The dump reads the whole volume in one bulk read
 * ({@link io.nectarfs.meta.kv.TxnKv#bulkRead}) into memory and then writes it: a snapshot on SQL;
 * on Redis a snapshot unless a client wrote meanwhile (it reads again, up to three times).
 *
 * <p>Concurrency: single-threaded; the dump is one bulk read and a load
 * writes batches of keys per transaction. Invariant: a load writes the format record last, so an
 * interrupted load leaves no volume that looks complete.
 */
final class Dump {
  static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> COUNTERS = List.of("nextInode", "nextSlice", "nextTrash", "nextAcl", "usedSpace", "totalInodes");
  private static final int BATCH = 200;
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Dump.class);

  private Dump() {}

  // ---- dump ----

  static void dump(MetaClient m, OutputStream out, boolean keepEncryptKey, Consumer<String> progress) throws IOException {
    Format f = m.format;
    if (!keepEncryptKey) {
      f = f.toBuilder().encryption(null, f.encryptKeyPem() == null ? null : f.encryptCipher()).build();
    }
    progress.accept("reading the metadata");
    Volume v = read(m, progress);
    try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
      g.setCodec(JSON);
      g.writeStartObject();
      g.writeNumberField("version", VERSION);
      g.writeFieldName("format");
      g.writeTree(JSON.readTree(f.toJson()));
      g.writeRaw('\n');
      g.writeObjectFieldStart("counters");
      for (Map.Entry<String, Long> e : v.counters.entrySet()) {
        g.writeNumberField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeRaw('\n');
      writeSimple(v, g);
      progress.accept("dumping the tree");
      g.writeArrayFieldStart("nodes");
      java.util.Set<Long> seen = new java.util.HashSet<>();
      long[] count = {0};
      dumpTree(v, g, 0, "", Meta.ROOT, seen, count, progress);
      dumpTree(v, g, 0, ".trash", Meta.TRASH, seen, count, progress);
      g.writeEndArray();
      g.writeRaw('\n');
      dumpPending(v, g);
      g.writeEndObject();
      g.writeRaw('\n');
    }
  }

  /** Bulk reads before a dump of a volume that keeps changing is written from the last one anyway. */
  private static final int READS = 3;

  /**
   * Everything a dump writes, read in one bulk read (large pages: a few engine round trips per
   * thousand keys instead of several per inode) and held in memory as stored bytes.
   */
  private static final class Volume {
    final Map<String, Long> counters = new java.util.LinkedHashMap<>();
    final List<Object[]> acls = new ArrayList<>();
    final List<Quota> quotas = new ArrayList<>();
    final List<long[]> refs = new ArrayList<>();
    /** Inline slice id → stored bytes. */
    final Map<Long, byte[]> inline = new java.util.TreeMap<>();
    final Map<Long, byte[]> attrs = new HashMap<>();
    final Map<Long, List<Child>> children = new HashMap<>();
    final Map<Long, List<byte[][]>> chunks = new HashMap<>();
    final Map<Long, List<Object[]>> xattrs = new HashMap<>();
    final Map<Long, byte[]> symlinks = new HashMap<>();
    final List<long[]> pending = new ArrayList<>();
  }

  private static Volume read(MetaClient m, Consumer<String> progress) throws IOException {
    io.nectarfs.meta.kv.TxnKv.Bulk<Volume> b = null;
    for (int attempt = 0; attempt < READS && (b == null || !b.snapshot()); attempt++) {
      b = m.bulk(tx -> readIn(tx, progress));
    }
    if (!b.snapshot()) {
      log.warn("the volume changed during each of {} reads; the dump may mix states (dump a volume nobody writes)", READS);
    }
    return b.value();
  }

  private static Volume readIn(KvTxn tx, Consumer<String> progress) throws IOException {
    Volume v = new Volume();
    long[] usage = Housekeeping.usage(tx);
    for (String name : COUNTERS) {
      byte[] c = tx.get(Keys.counter(name));
      v.counters.put(name, name.equals("usedSpace") ? usage[0] : name.equals("totalInodes") ? usage[1] : c == null ? 0 : Bytes.getU64(c, 0));
    }
    tx.scan(Acls.PREFIX, Bytes.prefixEnd(Acls.PREFIX), 0, (k, val) -> {
      v.acls.add(new Object[] {Bytes.getU32(k, 1), AclRule.decode(val).toText()});
      return true;
    });
    tx.scan(Quotas.QUOTA_PREFIX, Bytes.prefixEnd(Quotas.QUOTA_PREFIX), 0, (k, val) -> {
      v.quotas.add(Quotas.quota(Bytes.getU64(k, 1), val));
      return true;
    });
    tx.scan(Keys.SLICE_REF_PREFIX, Bytes.prefixEnd(Keys.SLICE_REF_PREFIX), 0, (k, val) -> {
      v.refs.add(new long[] {Bytes.getU64(k, 1), Bytes.getU32(k, 9), Bytes.getU64(val, 0)});
      return true;
    });
    tx.scan(Keys.INLINE_PREFIX, Bytes.prefixEnd(Keys.INLINE_PREFIX), 0, (k, val) -> {
      v.inline.put(Bytes.getU64(k, 1), val);
      return true;
    });
    long[] keys = {0};
    tx.scan(Keys.ALL_INODES_PREFIX, Bytes.prefixEnd(Keys.ALL_INODES_PREFIX), 0, (k, val) -> {
      long ino = Bytes.getU64(k, 1);
      switch (k[9]) {
        case 'I' -> v.attrs.put(ino, val);
        case 'D' -> v.children.computeIfAbsent(ino, x -> new ArrayList<>()).add(new Child(Keys.dentryName(k), Codec.dentryIno(val)));
        case 'C' -> v.chunks.computeIfAbsent(ino, x -> new ArrayList<>()).add(new byte[][] {k, val});
        case 'X' -> v.xattrs.computeIfAbsent(ino, x -> new ArrayList<>()).add(new Object[] {Keys.xattrName(k), val});
        case 'S' -> v.symlinks.put(ino, val);
        default -> {}
      }
      if (++keys[0] % 100_000 == 0) {
        progress.accept(keys[0] + " keys read");
      }
      return true;
    });
    tx.scan(Keys.DELFILE_PREFIX, Bytes.prefixEnd(Keys.DELFILE_PREFIX), 0, (k, val) -> {
      v.pending.add(new long[] {Bytes.getU64(k, 1), Bytes.getU64(val, 0), Bytes.getU64(val, 8)});
      return true;
    });
    return v;
  }

  private static void writeSimple(Volume v, JsonGenerator g) throws IOException {
    g.writeArrayFieldStart("acls");
    for (Object[] a : v.acls) {
      g.writeStartObject();
      g.writeNumberField("id", (Integer) a[0]);
      g.writeStringField("acl", (String) a[1]);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeRaw('\n');
    g.writeArrayFieldStart("quotas");
    for (Quota q : v.quotas) {
      g.writeStartObject();
      g.writeNumberField("ino", q.ino());
      g.writeNumberField("maxSpace", q.maxSpace());
      g.writeNumberField("maxInodes", q.maxInodes());
      g.writeNumberField("usedSpace", q.usedSpace());
      g.writeNumberField("usedInodes", q.usedInodes());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeRaw('\n');
    g.writeArrayFieldStart("sliceRefs");
    for (long[] r : v.refs) {
      g.writeStartObject();
      g.writeNumberField("id", r[0]);
      g.writeNumberField("size", r[1]);
      g.writeNumberField("extra", r[2]);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeRaw('\n');
    if (!v.inline.isEmpty()) { // stored bytes of inline slices, base64 (as stored: compressed, encrypted)
      g.writeArrayFieldStart("inline");
      for (Map.Entry<Long, byte[]> e : v.inline.entrySet()) {
        g.writeStartObject();
        g.writeNumberField("id", e.getKey());
        g.writeStringField("data", java.util.Base64.getEncoder().encodeToString(e.getValue()));
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeRaw('\n');
    }
  }

  private record Child(String name, long ino) {}

  private static void dumpTree(Volume v, JsonGenerator g, long parent, String name, long ino, java.util.Set<Long> seen, long[] count,
      Consumer<String> progress) throws IOException {
    Attr a = Codec.attr(require(v.attrs.get(ino), ino));
    g.writeStartObject();
    g.writeNumberField("parent", parent);
    writeName(g, "name", name);
    g.writeNumberField("ino", ino);
    boolean isDir = a.isDir();
    if (isDir || a.nlink() <= 1 || !seen.contains(ino)) {
      writeAttr(g, a);
      writeInodeData(v, g, ino, a);
    }
    g.writeEndObject();
    g.writeRaw('\n');
    if (!isDir && a.nlink() > 1) {
      seen.add(ino);
    }
    if (++count[0] % 10_000 == 0) {
      progress.accept(count[0] + " entries");
    }
    if (isDir) {
      for (Child c : v.children.getOrDefault(ino, List.of())) {
        dumpTree(v, g, ino, c.name, c.ino, seen, count, progress);
      }
    }
  }

  private static byte[] require(byte[] v, long ino) throws IOException {
    if (v == null) {
      throw new IOException("inode " + ino + " disappeared during the dump (dump a volume nobody writes, or run nectar fsck)");
    }
    return v;
  }

  private static void writeAttr(JsonGenerator g, Attr a) throws IOException {
    g.writeObjectFieldStart("attr");
    g.writeStringField("type", a.type().name());
    g.writeNumberField("mode", a.mode());
    g.writeNumberField("uid", a.uid());
    g.writeNumberField("gid", a.gid());
    g.writeNumberField("atime", a.atime());
    g.writeNumberField("mtime", a.mtime());
    g.writeNumberField("ctime", a.ctime());
    g.writeNumberField("nlink", a.nlink());
    g.writeNumberField("length", a.length());
    g.writeNumberField("rdev", a.rdev());
    g.writeNumberField("flags", a.flags());
    g.writeNumberField("parent", a.parent());
    g.writeNumberField("accessAcl", a.accessAcl());
    g.writeNumberField("defaultAcl", a.defaultAcl());
    g.writeEndObject();
  }

  /** A name as a JSON string when it is valid UTF-8, else as {@code <field>B64}: base64 of its bytes. */
  private static void writeName(JsonGenerator g, String field, String name) throws IOException {
    if (Names.isUtf8(name)) {
      g.writeStringField(field, name);
    } else {
      g.writeStringField(field + "B64", Base64.getEncoder().encodeToString(Names.encode(name)));
    }
  }

  /** Reads what {@link #writeName} wrote; null when neither field is present. */
  private static byte[] readName(JsonNode n, String field) throws IOException {
    try {
      JsonNode b = n.get(field + "B64");
      if (b != null) {
        return Base64.getDecoder().decode(b.asText());
      }
      JsonNode s = n.get(field);
      return s == null ? null : Names.encode(s.asText());
    } catch (IllegalArgumentException e) {
      throw new IOException("malformed dump: " + field + " of inode " + n.get("ino") + ": " + e.getMessage());
    }
  }

  private static Attr readAttr(JsonNode n) {
    return new Attr(FileType.valueOf(n.get("type").asText()), n.get("mode").asInt(), n.get("uid").asInt(), n.get("gid").asInt(),
        n.get("atime").asLong(), n.get("mtime").asLong(), n.get("ctime").asLong(), n.get("nlink").asInt(), n.get("length").asLong(),
        n.get("rdev").asInt(), n.get("flags").asInt(), n.get("parent").asLong(), n.get("accessAcl").asInt(), n.get("defaultAcl").asInt());
  }

  private static void writeInodeData(Volume v, JsonGenerator g, long ino, Attr a) throws IOException {
    List<Object[]> xattrs = v.xattrs.getOrDefault(ino, List.of());
    for (boolean utf8 : new boolean[] {true, false}) {
      List<Object[]> part = xattrs.stream().filter(x -> Names.isUtf8((String) x[0]) == utf8).toList();
      if (!part.isEmpty()) {
        g.writeObjectFieldStart(utf8 ? "xattrs" : "xattrsB64");
        for (Object[] x : part) {
          String n = (String) x[0];
          g.writeStringField(utf8 ? n : Base64.getEncoder().encodeToString(Names.encode(n)), Base64.getEncoder().encodeToString((byte[]) x[1]));
        }
        g.writeEndObject();
      }
    }
    if (a.type() == FileType.SYMLINK) {
      byte[] t = v.symlinks.get(ino);
      writeName(g, "symlink", t == null ? "" : Names.decode(t));
    }
    if (a.type() == FileType.FILE) {
      writeChunks(v, g, ino);
    }
  }

  private static void writeChunks(Volume v, JsonGenerator g, long ino) throws IOException {
    List<byte[][]> chunks = v.chunks.getOrDefault(ino, List.of());
    if (chunks.isEmpty()) {
      return;
    }
    g.writeArrayFieldStart("chunks");
    for (byte[][] c : chunks) {
      g.writeStartObject();
      g.writeNumberField("index", Keys.chunkIndex(c[0]));
      g.writeArrayFieldStart("slices");
      for (Slice s : Codec.slices(c[1])) {
        g.writeStartArray();
        g.writeNumber(s.pos());
        g.writeNumber(s.id());
        g.writeNumber(s.size());
        g.writeNumber(s.off());
        g.writeNumber(s.len());
        g.writeEndArray();
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static void dumpPending(Volume v, JsonGenerator g) throws IOException {
    g.writeArrayFieldStart("pending");
    for (long[] p : v.pending) {
      g.writeStartObject();
      g.writeNumberField("ino", p[0]);
      g.writeNumberField("length", p[1]);
      g.writeNumberField("time", p[2]);
      writeChunks(v, g, p[0]);
      g.writeEndObject();
      g.writeRaw('\n');
    }
    g.writeEndArray();
  }

  // ---- load ----

  /** Loads a dump into an engine holding no volume. Returns the loaded format record. */
  static Format load(TxnKv kv, InputStream in, Consumer<String> progress) throws IOException {
    if (MetaClient.loadFormat(kv) != null) {
      throw new IOException("the engine at " + kv.describe() + " already holds a volume: load needs an empty one (nectar destroy, or a new database)");
    }
    Loader l = new Loader(kv);
    try (JsonParser p = new JsonFactory().createParser(in)) {
      p.setCodec(JSON);
      expect(p.nextToken(), JsonToken.START_OBJECT);
      Format format = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "version" -> {
            if (p.getIntValue() != VERSION) {
              throw new IOException("dump version " + p.getIntValue() + " is not supported (expected " + VERSION + ")");
            }
          }
          case "format" -> format = Format.fromJson(p.readValueAsTree().toString());
          case "counters" -> {
            JsonNode c = p.readValueAsTree();
            byte[] usage = new byte[16];
            for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
              Map.Entry<String, JsonNode> e = it.next();
              switch (e.getKey()) {
                case "usedSpace" -> Bytes.putU64(usage, 0, e.getValue().asLong());
                case "totalInodes" -> Bytes.putU64(usage, 8, e.getValue().asLong());
                default -> l.put(Keys.counter(e.getKey()), Bytes.u64(e.getValue().asLong()));
              }
            }
            l.put(Keys.USAGE_BASE, usage);
          }
          case "acls" -> eachElement(p, t, n -> l.put(Acls.key(n.get("id").asInt()), aclOf(n.get("acl").asText()).encode()));
          case "quotas" -> eachElement(p, t, n -> {
            l.put(Quotas.quotaKey(n.get("ino").asLong()), Quotas.bytes(n.get("maxSpace").asLong(), n.get("maxInodes").asLong(),
                n.get("usedSpace").asLong(), n.get("usedInodes").asLong()));
            l.quotas++;
          });
          case "sliceRefs" -> eachElement(p, t, n -> l.put(Keys.sliceRef(n.get("id").asLong(), n.get("size").asInt()), Bytes.u64(n.get("extra").asLong())));
          case "inline" -> eachElement(p, t, n -> l.put(Keys.inlineData(n.get("id").asLong()), java.util.Base64.getDecoder().decode(n.get("data").asText())));
          case "nodes" -> eachElement(p, t, n -> {
            l.node(n);
            if (++l.nodes % 10_000 == 0) {
              progress.accept(l.nodes + " entries loaded");
            }
          });
          case "pending" -> eachElement(p, t, n -> {
            byte[] v = new byte[16];
            Bytes.putU64(v, 0, n.get("length").asLong());
            Bytes.putU64(v, 8, n.get("time").asLong());
            l.put(Keys.delfile(n.get("ino").asLong()), v);
            l.chunks(n.get("ino").asLong(), n.get("chunks"));
          });
          default -> p.skipChildren();
        }
      }
      if (format == null) {
        throw new IOException("the dump has no format record");
      }
      l.finish();
      byte[] fmt = format.toJson().getBytes(StandardCharsets.UTF_8);
      Transactions.run(kv, tx -> {
        tx.put(Keys.FORMAT, fmt);
        return null;
      });
      return format;
    }
  }

  private static AclRule aclOf(String text) {
    List<AclRule.Named> users = new ArrayList<>();
    List<AclRule.Named> groups = new ArrayList<>();
    int owner = 0;
    int group = 0;
    int mask = AclRule.NO_MASK;
    int other = 0;
    for (String e : text.split(",")) {
      String[] f = e.split(":");
      int perm = (f[2].charAt(0) == 'r' ? 4 : 0) | (f[2].charAt(1) == 'w' ? 2 : 0) | (f[2].charAt(2) == 'x' ? 1 : 0);
      switch (f[0]) {
        case "user" -> {
          if (f[1].isEmpty()) {
            owner = perm;
          } else {
            users.add(new AclRule.Named(Integer.parseInt(f[1]), perm));
          }
        }
        case "group" -> {
          if (f[1].isEmpty()) {
            group = perm;
          } else {
            groups.add(new AclRule.Named(Integer.parseInt(f[1]), perm));
          }
        }
        case "mask" -> mask = perm;
        default -> other = perm;
      }
    }
    return new AclRule(owner, group, mask, other, users, groups);
  }

  @FunctionalInterface
  private interface NodeBody {
    void accept(JsonNode n) throws IOException;
  }

  private static void eachElement(JsonParser p, JsonToken start, NodeBody body) throws IOException {
    expect(start, JsonToken.START_ARRAY);
    while (p.nextToken() == JsonToken.START_OBJECT) {
      body.accept(p.readValueAsTree());
    }
  }

  private static void expect(JsonToken got, JsonToken want) throws IOException {
    if (got != want) {
      throw new IOException("malformed dump: expected " + want + " but found " + got);
    }
  }

  /** Buffers keys and writes them in batches; keeps what the load derives (statistics, hard-link parents). */
  private static final class Loader {
    private final TxnKv kv;
    private final List<byte[][]> batch = new ArrayList<>();
    private final Map<Long, long[]> stats = new HashMap<>();
    private final Map<Long, Long> multiSpace = new HashMap<>();
    private final Map<Long, Map<Long, Integer>> multiParents = new HashMap<>();
    long nodes;
    long quotas;

    Loader(TxnKv kv) {
      this.kv = kv;
    }

    void put(byte[] k, byte[] v) throws IOException {
      batch.add(new byte[][] {k, v});
      if (batch.size() >= BATCH) {
        flush();
      }
    }

    void flush() throws IOException {
      if (batch.isEmpty()) {
        return;
      }
      List<byte[][]> b = List.copyOf(batch);
      batch.clear();
      Transactions.run(kv, tx -> {
        for (byte[][] e : b) {
          tx.put(e[0], e[1]);
        }
        return null;
      });
    }

    void node(JsonNode n) throws IOException {
      long parent = n.get("parent").asLong();
      byte[] nameBytes = readName(n, "name");
      if (nameBytes == null) {
        throw new IOException("malformed dump: node " + n.get("ino") + " has no name");
      }
      String name = Names.decode(nameBytes);
      long ino = n.get("ino").asLong();
      JsonNode attr = n.get("attr");
      long space;
      FileType type;
      if (attr == null) {
        Long s = multiSpace.get(ino);
        if (s == null) {
          throw new IOException("malformed dump: hard link to inode " + ino + " before the inode");
        }
        space = s;
        multiParents.computeIfAbsent(ino, x -> new HashMap<>()).merge(parent, 1, Integer::sum);
        type = multiType.get(ino);
      } else {
        Attr a = readAttr(attr);
        type = a.type();
        space = MetaClient.accountedSpace(a);
        put(Keys.attr(ino), Codec.attr(a));
        if (!a.isDir() && a.nlink() > 1) {
          multiSpace.put(ino, space);
          multiType.put(ino, a.type());
          multiParents.computeIfAbsent(ino, x -> new HashMap<>()).merge(parent, 1, Integer::sum);
        }
        for (boolean utf8 : new boolean[] {true, false}) {
          JsonNode x = n.get(utf8 ? "xattrs" : "xattrsB64");
          if (x != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = x.fields(); it.hasNext(); ) {
              Map.Entry<String, JsonNode> e = it.next();
              String xn;
              try {
                xn = Names.decode(utf8 ? Names.encode(e.getKey()) : Base64.getDecoder().decode(e.getKey()));
              } catch (IllegalArgumentException bad) {
                throw new IOException("malformed dump: xattr name of inode " + ino + ": " + bad.getMessage());
              }
              put(Keys.xattr(ino, xn), Base64.getDecoder().decode(e.getValue().asText()));
            }
          }
        }
        byte[] target = readName(n, "symlink");
        if (target != null) {
          put(Keys.symlink(ino), target);
        }
        chunks(ino, n.get("chunks"));
      }
      if (parent != 0) {
        put(Keys.dentry(parent, name), Codec.dentry(type, ino));
        if (!Trash.inTrash(parent)) {
          long[] s = stats.computeIfAbsent(parent, k -> new long[2]);
          s[0] += space;
          s[1]++;
        }
      }
    }

    private final Map<Long, FileType> multiType = new HashMap<>();

    void chunks(long ino, JsonNode chunks) throws IOException {
      if (chunks == null) {
        return;
      }
      for (JsonNode c : chunks) {
        List<Slice> slices = new ArrayList<>();
        for (JsonNode s : c.get("slices")) {
          slices.add(new Slice(s.get(0).asInt(), s.get(1).asLong(), s.get(2).asInt(), s.get(3).asInt(), s.get(4).asInt()));
        }
        put(Keys.chunk(ino, c.get("index").asInt()), Codec.slices(slices));
      }
    }

    void finish() throws IOException {
      for (Map.Entry<Long, long[]> e : stats.entrySet()) {
        put(Quotas.statsKey(e.getKey()), Quotas.bytes(e.getValue()[0], e.getValue()[1]));
      }
      for (Map.Entry<Long, Map<Long, Integer>> e : multiParents.entrySet()) {
        for (Map.Entry<Long, Integer> p : e.getValue().entrySet()) {
          put(Keys.parentLink(e.getKey(), p.getKey()), Codec.u32(p.getValue()));
        }
      }
      put(Keys.counter("quotas"), Bytes.u64(quotas));
      flush();
    }
  }

  /** Re-serialises a dump in a canonical form (parsed and written compactly, one top-level value per line). */
  static String normalize(String dump) throws IOException {
    JsonNode n = JSON.readTree(dump);
    StringBuilder sb = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = ((ObjectNode) n).fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      sb.append(e.getKey()).append('=').append(JSON.writeValueAsString(e.getValue())).append('\n');
    }
    return sb.toString();
  }
}
