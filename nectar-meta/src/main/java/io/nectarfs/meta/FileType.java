package io.nectarfs.meta;

/** Inode types, numbered as JuiceFS does; {@link #ifmt()} gives the Linux S_IFMT bits. */
public enum FileType {
  FILE(1, 0100000),
  DIR(2, 0040000),
  SYMLINK(3, 0120000),
  FIFO(4, 0010000),
  BLOCK(5, 0060000),
  CHAR(6, 0020000),
  SOCKET(7, 0140000);

  private final int code;
  private final int ifmt;

  FileType(int code, int ifmt) {
    this.code = code;
    this.ifmt = ifmt;
  }

  /** The stored type number (1..7). */
  public int code() {
    return code;
  }

  /** The S_IFMT bits of this type, as in {@code st_mode}. */
  public int ifmt() {
    return ifmt;
  }

  /** The d_type value of readdir (DT_REG 8, DT_DIR 4, …). */
  public int dtype() {
    return ifmt >>> 12;
  }

  public static FileType ofCode(int code) {
    for (FileType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown inode type " + code);
  }

  /** The type of an {@code st_mode}, or null when its S_IFMT bits are not a known type. */
  public static FileType ofMode(int mode) {
    int f = mode & 0170000;
    for (FileType t : values()) {
      if (t.ifmt == f) {
        return t;
      }
    }
    return null;
  }
}
