package io.nectarfs.object;

import java.util.List;

/** A store built over other stores; lets {@link ObjectStores#faultInjector} walk a stack. */
interface Layered {
  /** The stores directly below this one. */
  List<ObjectStore> inners();
}
