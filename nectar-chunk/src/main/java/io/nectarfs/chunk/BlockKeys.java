package io.nectarfs.chunk;

/** The object key of a block: {@code chunks/<id/1e6>/<id/1e3>/<id>_<index>_<blockLength>}. */
public final class BlockKeys {
  private BlockKeys() {}

  /** The key of block {@code index} of slice {@code id} whose full size is {@code size}. */
  public static String key(long id, int index, int blockLength) {
    return "chunks/" + (id / 1_000_000) + "/" + (id / 1_000) + "/" + id + "_" + index + "_" + blockLength;
  }

  /** The length of block {@code index} of a slice of {@code size} bytes. */
  public static int blockLength(int size, int blockSize, int index) {
    return Math.min(blockSize, size - index * blockSize);
  }

  /** How many blocks a slice of {@code size} bytes has. */
  public static int blocks(int size, int blockSize) {
    return size == 0 ? 0 : (size - 1) / blockSize + 1;
  }

  /** Parses a block key back into {id, index, length}, or null when it is not one. */
  public static long[] parse(String key) {
    int slash = key.lastIndexOf('/');
    if (!key.startsWith("chunks/") || slash < 0) {
      return null;
    }
    String[] p = key.substring(slash + 1).split("_");
    if (p.length != 3) {
      return null;
    }
    try {
      return new long[] {Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2])};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
