package io.nectarfs.gateway.s3.auth;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.zip.Checksum;

/**
 * CRC-64/NVME, the {@code x-amz-checksum-crc64nvme} of S3: reflected polynomial
 * 0x9a6c9329ac4bc9b5 (0xad93d23594c93659 bit-reversed), initial value and final xor all ones. The
 * check value of "123456789" is 0xae8b14860a799888. Table-driven, eight bytes per step (slicing by
 * eight).
 *
 * <p>Not thread-safe (one instance per stream, as any {@link Checksum}).
 */
final class Crc64Nvme implements Checksum {
  private static final long POLY_REFLECTED = Long.reverse(0xad93d23594c93659L);
  private static final long[][] T = tables();
  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private long crc = -1L;

  private static long[][] tables() {
    long[][] t = new long[8][256];
    for (int i = 0; i < 256; i++) {
      long c = i;
      for (int k = 0; k < 8; k++) {
        c = (c & 1) != 0 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
      }
      t[0][i] = c;
    }
    for (int i = 0; i < 256; i++) {
      for (int s = 1; s < 8; s++) {
        long prev = t[s - 1][i];
        t[s][i] = (prev >>> 8) ^ t[0][(int) (prev & 0xff)];
      }
    }
    return t;
  }

  @Override
  public void update(int b) {
    crc = (crc >>> 8) ^ T[0][(int) ((crc ^ b) & 0xff)];
  }

  @Override
  public void update(byte[] b, int off, int len) {
    long c = crc;
    long[] t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3], t4 = T[4], t5 = T[5], t6 = T[6], t7 = T[7];
    int end8 = off + (len & ~7);
    int i = off;
    for (; i < end8; i += 8) {
      long x = c ^ (long) LONG_LE.get(b, i);
      c = t7[(int) (x & 0xff)] ^ t6[(int) ((x >>> 8) & 0xff)] ^ t5[(int) ((x >>> 16) & 0xff)]
          ^ t4[(int) ((x >>> 24) & 0xff)] ^ t3[(int) ((x >>> 32) & 0xff)] ^ t2[(int) ((x >>> 40) & 0xff)]
          ^ t1[(int) ((x >>> 48) & 0xff)] ^ t0[(int) (x >>> 56)];
    }
    for (int end = off + len; i < end; i++) {
      c = (c >>> 8) ^ t0[(int) ((c ^ b[i]) & 0xff)];
    }
    crc = c;
  }

  @Override
  public long getValue() {
    return ~crc;
  }

  @Override
  public void reset() {
    crc = -1L;
  }
}
