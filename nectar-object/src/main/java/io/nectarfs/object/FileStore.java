package io.nectarfs.object;

import io.nectarfs.common.Errno;
import io.nectarfs.common.FsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Objects as files under a root directory: {@code file:///path[?fsync=false]}.
 *
 * <p>A key {@code a/b/c} is the file {@code ROOT/a/b/c}. Puts write a temporary file in {@code
 * ROOT/.nectar-tmp}, optionally fsync it, and rename it into place, so readers see whole objects
 * only. Keys that would leave the root ({@code ..}, absolute paths), end with "/", have empty
 * segments, or start with the reserved {@code .nectar-tmp/} are rejected. A key cannot be both an
 * object and the prefix of another key's directory ({@code a} and {@code a/b}); such a put fails.
 *
 * <p>Objects hold file data, so the directories this store creates (the root included) are 0700
 * and objects 0600; a root that already exists keeps its mode.
 *
 * <p>Durability (with {@code fsync}, the default): a put returns after the object's data
 * (fdatasync of the temporary, created with its final mode 0600), its rename and every directory
 * it created are on disk (fsync of the parent directories). Directory fsyncs of concurrent puts
 * into one directory are shared ({@link DirSyncs}: group commit). A put of a new key renames
 * first and syncs after, so the data, the rename and the directory reach the disk in one journal
 * commit on a journalling file system (on ext4 with a journal, 1.7x the put rate of syncing the
 * data before the rename, which costs two commits; a power loss before the put returned may leave a torn
 * object under the new key, which no metadata references yet). A put that replaces an object
 * syncs the data before the rename, so a power loss leaves the old object or the new one.
 *
 * <p>Concurrency: the file system provides atomicity (rename); no locks are held. {@code
 * knownDirs} (directories this store made or saw, so a put skips its mkdir) is a concurrent set and
 * only a hint: a put whose directory vanished (an empty one removed by a delete) forgets it and
 * makes it again. Empty directories left by deletes are removed best-effort.
 */
final class FileStore implements ObjectStore, CopyCapable, MultipartCapable {
  static final String TMP = ".nectar-tmp";
  private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIR =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");
  private static final Comparator<String> KEY_ORDER = Comparator.naturalOrder();

  private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE_ATTR = PosixFilePermissions.asFileAttribute(PRIVATE_FILE);
  /** Bound of {@code knownDirs} (a chunk directory holds a thousand slices): cleared when reached. */
  private static final int KNOWN_DIRS_MAX = 65_536;

  private final Path root;
  private final Path tmp;
  private final boolean fsync;
  private final DirSyncs dirSyncs;
  private final DataSyncer dataSyncer;
  private final Set<Path> knownDirs = ConcurrentHashMap.newKeySet();

  FileStore(Path root, boolean fsync) throws IOException {
    this(root, fsync, DirSyncs.FSYNC);
  }

  /** The same, with directory fsyncs done by {@code dirSyncer} (tests count them). */
  FileStore(Path root, boolean fsync, DirSyncs.Syncer dirSyncer) throws IOException {
    this(root, fsync, dirSyncer, (ch, key) -> ch.force(false));
  }

  /** The same, with a put's data synced by {@code dataSyncer} (tests see when). */
  FileStore(Path root, boolean fsync, DirSyncs.Syncer dirSyncer, DataSyncer dataSyncer) throws IOException {
    this.root = root.toAbsolutePath().normalize();
    this.tmp = this.root.resolve(TMP);
    this.fsync = fsync;
    this.dirSyncs = new DirSyncs(dirSyncer);
    this.dataSyncer = dataSyncer;
    try {
      mkdirs(this.tmp);
    } catch (FileAlreadyExistsException e) {
      throw new IOException("cannot use " + this.root + " as object storage: it is not a directory");
    } catch (AccessDeniedException e) {
      throw new IOException("cannot use " + this.root + " as object storage: permission denied on " + e.getFile());
    } catch (FileSystemException e) {
      String why = e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
      throw new IOException("cannot use " + this.root + " as object storage: " + why + " (" + e.getFile() + ")");
    }
    if (!Files.isWritable(this.root)) {
      throw new IOException("cannot use " + this.root + " as object storage: not writable");
    }
  }


  @Override
  public String describe() {
    return "file://" + root + "/";
  }

  private Path path(String key) {
    Keys.check(key);
    if (key.startsWith("/") || key.endsWith("/") || key.contains("//")) {
      throw new IllegalArgumentException("object key not allowed on file storage: " + key);
    }
    for (String seg : key.split("/")) {
      if (seg.equals(".") || seg.equals("..")) {
        throw new IllegalArgumentException("object key would escape the storage root: " + key);
      }
    }
    if (key.equals(TMP) || key.startsWith(TMP + "/")) {
      throw new IllegalArgumentException("object key uses the reserved prefix " + TMP + ": " + key);
    }
    Path p = root.resolve(key).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new IllegalArgumentException("object key would escape the storage root: " + key);
    }
    return p;
  }

  @Override
  public InputStream get(String key, long off, long len) throws IOException {
    Path p = path(key);
    FileChannel ch = open(p, key);
    try {
      if (Files.isDirectory(p)) {
        throw new NoSuchFileException(key);
      }
      long size = ch.size();
      long start = Math.min(Math.max(off, 0), size);
      long end = len < 0 ? size : Math.min(size, start + len);
      ch.position(start);
      InputStream raw = Channels.newInputStream(ch);
      return new BoundedInputStream(raw, end - start);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * Reads the range with positional reads straight into one array of the exact size: no stream,
   * no growing buffers (the read path of every block).
   */
  @Override
  public byte[] getBytes(String key, long off, long len) throws IOException {
    Path p = path(key);
    try (FileChannel ch = open(p, key)) {
      long size = ch.size();
      long start = Math.min(Math.max(off, 0), size);
      long end = len < 0 ? size : Math.min(size, start + len);
      if (end - start > Integer.MAX_VALUE - 8) {
        throw new IOException("object " + key + " is too large to read into memory");
      }
      if (start == end) {
        if (Files.isDirectory(p)) {
          throw new NoSuchFileException(key);
        }
        return new byte[0];
      }
      ByteBuffer buf = ByteBuffer.allocate((int) (end - start));
      fill(ch, p, key, start, buf);
      return buf.position() == buf.capacity() ? buf.array() : Arrays.copyOf(buf.array(), buf.position());
    }
  }

  /** Reads straight into {@code dst} (no array in between when it is a direct buffer). */
  @Override
  public int read(String key, long off, ByteBuffer dst) throws IOException {
    Path p = path(key);
    try (FileChannel ch = open(p, key)) {
      int start = dst.position();
      fill(ch, p, key, Math.max(off, 0), dst);
      if (dst.position() == start && Files.isDirectory(p)) {
        throw new NoSuchFileException(key);
      }
      return dst.position() - start;
    }
  }

  /** Reads from {@code pos} until {@code dst} is full or the object ends; a directory's key is missing. */
  private static void fill(FileChannel ch, Path p, String key, long pos, ByteBuffer dst) throws IOException {
    int start = dst.position();
    try {
      while (dst.hasRemaining()) {
        if (ch.read(dst, pos + dst.position() - start) < 0) {
          break; // objects are replaced by rename, never truncated in place: only at the end
        }
      }
    } catch (IOException e) {
      if (Files.isDirectory(p)) {
        throw new NoSuchFileException(key);
      }
      throw e;
    }
  }

  private static FileChannel open(Path p, String key) throws IOException {
    try {
      return FileChannel.open(p, StandardOpenOption.READ);
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw new NoSuchFileException(key);
    } catch (FileSystemException e) {
      if (Files.isDirectory(p)) {
        throw new NoSuchFileException(key);
      }
      throw e;
    }
  }

  @Override
  public void put(String key, InputStream data, long length) throws IOException {
    put(key, ch -> {
      long n = copy(data, Channels.newOutputStream(ch), length);
      if (n != length) {
        throw new IOException("short input for " + key + ": expected " + length + " bytes, got " + n);
      }
    });
  }

  /** Writes the array with one channel write (no stream copy); the array is not kept. */
  @Override
  public void put(String key, byte[] data) throws IOException {
    put(key, ch -> {
      ByteBuffer b = ByteBuffer.wrap(data);
      while (b.hasRemaining()) {
        ch.write(b);
      }
    });
  }

  /**
   * Writes the buffers with gathering writes (one {@code writev} for a block's pages when the
   * kernel takes it all; direct buffers go to the kernel without a copy); the buffers are not kept.
   */
  @Override
  public void put(String key, List<ByteBuffer> parts) throws IOException {
    long length = Buffers.remaining(parts);
    put(key, ch -> {
      ByteBuffer[] bs = Buffers.views(parts);
      long done = 0;
      while (done < length) {
        done += ch.write(bs);
      }
    });
  }

  /** Fills a new temporary file. */
  @FunctionalInterface
  private interface Filler {
    void fill(FileChannel ch) throws IOException;
  }

  /** Syncs a put's data: fdatasync of the open object file (the data and the size). */
  @FunctionalInterface
  interface DataSyncer {
    void force(FileChannel ch, String key) throws IOException;
  }

  /**
   * Writes {@code key}'s temporary and renames it into place. With fsync, a new key is synced
   * after its rename (one journal commit for the data, the rename and the directory); a key that
   * exists is synced before (old or new object after a power loss). A put that fails after its
   * rename of a new key removes the object again.
   */
  private void put(String key, Filler filler) throws IOException {
    Path p = path(key);
    Path t = tmpFile();
    boolean placed = false;
    boolean fresh = false; // synced after its rename: a failure from then on removes it
    try {
      try (FileChannel ch = createTmp(t)) {
        filler.fill(ch);
        if (fsync) {
          fresh = !Files.exists(p, LinkOption.NOFOLLOW_LINKS);
          if (!fresh) {
            dataSyncer.force(ch, key);
          }
        }
        moveIntoPlace(t, p, key, false);
        placed = true;
        if (fresh) {
          dataSyncer.force(ch, key);
        }
      }
      if (fsync) {
        dirSyncs.sync(p.getParent());
      }
    } catch (IOException | RuntimeException e) {
      if (!placed) {
        Files.deleteIfExists(t);
      } else if (fresh) {
        deleteQuietly(p);
      }
      throw wrapDiskErrors(e, key);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // an unreferenced object: nectar gc removes it
    }
  }

  /**
   * A full disk (or exhausted quota of the storage directory) becomes {@link Errno#ENOSPC}, which
   * is not transient (no retry layer retries it) and reaches the writer as ENOSPC.
   */
  private IOException wrapDiskErrors(Exception e, String key) {
    if (e instanceof RuntimeException re) {
      throw re;
    }
    if (isDiskFull(e)) {
      FsException full = new FsException(Errno.ENOSPC, "object storage " + root + " is full while writing " + key + " (free space or add capacity)");
      full.initCause(e);
      return full;
    }
    return (IOException) e;
  }

  private static boolean isDiskFull(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : t.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
        return true;
      }
    }
    return false;
  }

  private Path tmpFile() {
    return tmp.resolve(UUID.randomUUID().toString());
  }

  /** A new temporary name, the temporary directory made again if it vanished (copy, multipart). */
  private Path tmpFileInTmpDir() throws IOException {
    mkdirs(tmp);
    return tmpFile();
  }

  /** Creates the temporary {@code t} with its final mode (0600), making the temporary directory again if it vanished. */
  private FileChannel createTmp(Path t) throws IOException {
    try {
      return FileChannel.open(t, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), PRIVATE_FILE_ATTR);
    } catch (NoSuchFileException e) {
      mkdirs(tmp);
      return FileChannel.open(t, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), PRIVATE_FILE_ATTR);
    }
  }

  /**
   * Makes {@code dir} (under the root) and its missing parents as 0700 directories unless it is
   * known to exist. With fsync, the first time this store sees a directory it syncs the parent of
   * it and of each directory above it up to the root, so every level's entry (made here, or by a
   * concurrent put that may not have synced it yet) is durable before an object is renamed into
   * it; a known directory costs nothing.
   */
  private void ensureDir(Path dir) throws IOException {
    if (knownDirs.contains(dir)) {
      return;
    }
    List<Path> chain = new ArrayList<>(); // dir, its parent, ... up to a child of the root
    for (Path d = dir; d != null && d.startsWith(root) && !d.equals(root); d = d.getParent()) {
      chain.add(d);
    }
    for (Path d : chain.reversed()) {
      if (!Files.isDirectory(d)) {
        try {
          Files.createDirectory(d, PRIVATE_DIR);
        } catch (FileAlreadyExistsException e) {
          if (!Files.isDirectory(d)) {
            throw e;
          }
        }
      }
    }
    if (fsync) {
      for (Path d : chain.reversed()) {
        dirSyncs.sync(d.getParent());
      }
    }
    if (knownDirs.size() >= KNOWN_DIRS_MAX) {
      knownDirs.clear();
    }
    knownDirs.add(dir);
  }

  /** Creates {@code d} and missing parents as 0700 directories (objects hold file data). */
  private static void mkdirs(Path d) throws IOException {
    Files.createDirectories(d, PRIVATE_DIR);
  }

  /** Renames the synced temporary {@code t} (mode 0600) to {@code p} and, with fsync, syncs the rename. */
  private void moveIntoPlace(Path t, Path p, String key) throws IOException {
    moveIntoPlace(t, p, key, true);
  }

  /** Renames {@code t} to {@code p}; with fsync, syncs the directories it made, and the rename when {@code syncRename}. */
  private void moveIntoPlace(Path t, Path p, String key, boolean syncRename) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        ensureDir(p.getParent());
        Files.move(t, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (fsync && syncRename) {
          dirSyncs.sync(p.getParent());
        }
        return;
      } catch (NoSuchFileException e) {
        // A concurrent delete removed the (empty) parent directory between create and move.
        knownDirs.remove(p.getParent());
        if (attempt >= 5) {
          throw e;
        }
      } catch (FileAlreadyExistsException | NotDirectoryException e) {
        throw new IOException("cannot store " + key + ": a path component is an object on file storage");
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("file storage " + root + " does not support atomic rename", e);
      } catch (FileSystemException e) {
        if (Files.isDirectory(p)) {
          throw new IOException("cannot store " + key + ": keys under it exist (it is a directory on file storage)");
        }
        throw e;
      }
    }
  }

  private static long copy(InputStream in, OutputStream out, long limit) throws IOException {
    byte[] buf = new byte[(int) Math.min(1 << 20, Math.max(limit, 1))];
    long n = 0;
    while (n < limit) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, limit - n));
      if (r < 0) {
        break;
      }
      out.write(buf, 0, r);
      n += r;
    }
    return n;
  }

  @Override
  public void delete(String key) throws IOException {
    Path p = path(key);
    try {
      if (Files.isDirectory(p)) {
        return;
      }
      Files.deleteIfExists(p);
    } catch (NotDirectoryException e) {
      return;
    }
    removeEmptyParents(p.getParent());
  }

  private void removeEmptyParents(Path dir) {
    while (dir != null && !dir.equals(root) && dir.startsWith(root)) {
      try {
        Files.delete(dir);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        return;
      } catch (IOException e) {
        return;
      }
      dir = dir.getParent();
    }
  }

  @Override
  public ObjectInfo head(String key) throws IOException {
    Path p = path(key);
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      if (!a.isRegularFile()) {
        throw new NoSuchFileException(key);
      }
      return new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant());
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw new NoSuchFileException(key);
    }
  }

  @Override
  public ListPage list(String prefix, String startAfter, String delimiter, int maxKeys) throws IOException {
    String p = prefix == null ? "" : prefix;
    // One page asks for the next key up to maxKeys times; each directory on the way is read once per page.
    Map<Path, List<String[]>> listed = new HashMap<>();
    return Keys.paginate(after -> firstAfter(root, "", p, after, listed), p, startAfter, delimiter, maxKeys);
  }

  /**
   * The first regular file under {@code dir} (whose keys start with {@code dirKey}) with a key that
   * starts with {@code prefix} and sorts after {@code after}. Directories sort as their name plus
   * "/", so the walk visits keys in key order.
   */
  private ObjectInfo firstAfter(Path dir, String dirKey, String prefix, String after, Map<Path, List<String[]>> listed) throws IOException {
    List<String[]> entries = listed.get(dir);
    if (entries == null) {
      entries = sortedEntries(dir, dirKey);
      listed.put(dir, entries);
    }
    for (String[] e : entries) {
      String k = e[0];
      if (e[2].equals("d")) {
        // Skip subtrees that cannot hold a matching key: wholly before 'after', or off the prefix.
        boolean prefixOk = k.startsWith(prefix) || prefix.startsWith(k);
        boolean mayBeAfter = after.startsWith(k) || k.compareTo(after) > 0;
        if (!prefixOk || !mayBeAfter) {
          continue;
        }
        ObjectInfo o = firstAfter(dir.resolve(e[1]), k, prefix, after, listed);
        if (o != null) {
          return o;
        }
      } else {
        if (k.compareTo(after) <= 0 || !k.startsWith(prefix)) {
          if (k.compareTo(prefix) > 0 && !k.startsWith(prefix)) {
            return null; // sorted: nothing later can match the prefix
          }
          continue;
        }
        try {
          BasicFileAttributes a = Files.readAttributes(dir.resolve(e[1]), BasicFileAttributes.class);
          return new ObjectInfo(k, a.size(), a.lastModifiedTime().toInstant());
        } catch (NoSuchFileException gone) {
          continue; // deleted while listing
        }
      }
    }
    return null;
  }

  /** The entries of {@code dir} as {sortKey, name, "d" or "f"} in key order; empty when it is gone. */
  private static List<String[]> sortedEntries(Path dir, String dirKey) throws IOException {
    List<String[]> entries = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path c : (Iterable<Path>) s::iterator) {
        String name = c.getFileName().toString();
        if (dirKey.isEmpty() && name.equals(TMP)) {
          continue;
        }
        boolean isDir = Files.isDirectory(c);
        entries.add(new String[] {dirKey + name + (isDir ? "/" : ""), name, isDir ? "d" : "f"});
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of();
    }
    entries.sort((a, b) -> KEY_ORDER.compare(a[0], b[0]));
    return entries;
  }

  @Override
  public void copy(String src, String dst) throws IOException {
    Path s = path(src);
    Path d = path(dst);
    Path t = tmpFileInTmpDir();
    try {
      try {
        Files.copy(s, t);
      } catch (NoSuchFileException | NotDirectoryException e) {
        throw new NoSuchFileException(src);
      }
      Files.setPosixFilePermissions(t, PRIVATE_FILE);
      if (fsync) {
        try (FileChannel ch = FileChannel.open(t, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
      }
      moveIntoPlace(t, d, dst);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(t);
      throw wrapDiskErrors(e, dst);
    }
  }

  // Multipart: parts are files in .nectar-tmp/mp-<uploadId>/<number>, with a "key" file naming the target.

  @Override
  public long minPartSize() {
    return 5L << 20;
  }

  @Override
  public String createMultipart(String key) throws IOException {
    path(key);
    String id = UUID.randomUUID().toString();
    Path d = tmp.resolve("mp-" + id);
    mkdirs(d);
    Files.writeString(d.resolve("key"), key);
    return id;
  }

  private Path uploadDir(String key, String id) throws IOException {
    if (!id.matches("[0-9a-f-]{36}")) {
      throw new NoSuchFileException(key, null, "no multipart upload " + id);
    }
    Path d = tmp.resolve("mp-" + id);
    try {
      if (!Files.readString(d.resolve("key")).equals(key)) {
        throw new NoSuchFileException(key, null, "no multipart upload " + id);
      }
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(key, null, "no multipart upload " + id);
    }
    return d;
  }

  @Override
  public Part uploadPart(String key, String uploadId, int number, InputStream data, long length) throws IOException {
    if (number < 1 || number > 10000) {
      throw new IllegalArgumentException("part number must be 1..10000, got " + number);
    }
    Path d = uploadDir(key, uploadId);
    Path t = tmpFileInTmpDir();
    try {
      try (OutputStream out = Files.newOutputStream(t, StandardOpenOption.CREATE_NEW)) {
        long n = copy(data, out, length);
        if (n != length) {
          throw new IOException("short input for part " + number + " of " + key);
        }
      }
      Files.move(t, d.resolve(Integer.toString(number)), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(t);
      throw wrapDiskErrors(e, key);
    }
    return new Part(number, uploadId.substring(0, 8) + "-" + number + "-" + length, length);
  }

  @Override
  public void completeMultipart(String key, String uploadId, List<Part> parts) throws IOException {
    Path d = uploadDir(key, uploadId);
    Path p = path(key);
    Path t = tmpFileInTmpDir();
    try {
      try (FileChannel out = createTmp(t)) {
        for (int i = 0; i < parts.size(); i++) {
          Path part = d.resolve(Integer.toString(parts.get(i).number()));
          if (!Files.exists(part)) {
            throw new IllegalArgumentException("part " + parts.get(i).number() + " of " + key + " was not uploaded");
          }
          long size = Files.size(part);
          if (i < parts.size() - 1 && size < minPartSize()) {
            throw new IllegalArgumentException("part " + parts.get(i).number() + " of " + key + " is smaller than " + minPartSize());
          }
          try (FileChannel in = FileChannel.open(part, StandardOpenOption.READ)) {
            long done = 0;
            while (done < size) {
              done += in.transferTo(done, size - done, out);
            }
          }
        }
        if (fsync) {
          out.force(true);
        }
      }
      moveIntoPlace(t, p, key);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(t);
      throw e;
    }
    deleteTree(d);
  }

  @Override
  public void abortMultipart(String key, String uploadId) throws IOException {
    try {
      deleteTree(uploadDir(key, uploadId));
    } catch (NoSuchFileException e) {
      // idempotent
    }
  }

  @Override
  public List<String> listMultipart(String key) throws IOException {
    List<String> ids = new ArrayList<>();
    try (Stream<Path> s = Files.list(tmp)) {
      for (Path d : (Iterable<Path>) s::iterator) {
        String n = d.getFileName().toString();
        if (n.startsWith("mp-")) {
          try {
            if (Files.readString(d.resolve("key")).equals(key)) {
              ids.add(n.substring(3));
            }
          } catch (NoSuchFileException ignored) {
            // finished meanwhile
          }
        }
      }
    }
    return ids;
  }

  private static void deleteTree(Path d) throws IOException {
    try (Stream<Path> s = Files.walk(d)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    } catch (NoSuchFileException ignored) {
      // already gone
    }
  }

  @Override
  public void close() {}
}
