package io.nectarfs.meta;

/**
 * A POSIX byte-range lock as F_GETLK reports it.
 *
 * @param type {@link Meta#F_RDLCK}, {@link Meta#F_WRLCK}, or {@link Meta#F_UNLCK} when nothing conflicts
 * @param start first byte
 * @param end last byte, inclusive ({@link Long#MAX_VALUE}: to the end of the file)
 * @param pid the holder's process id
 */
public record PosixLock(int type, long start, long end, int pid) {
  public static final PosixLock NONE = new PosixLock(Meta.F_UNLCK, 0, 0, 0);
}
