package io.nectarfs.csi;

/**
 * A fixed set of monitors picked by a name's hash: calls for the same name share one, calls for
 * different names rarely do, and nothing grows with the number of names seen.
 */
final class Stripes {
  private final Object[] locks = new Object[64];

  Stripes() {
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
  }

  Object of(Object name) {
    return locks[Math.floorMod(name.hashCode(), locks.length)];
  }
}
