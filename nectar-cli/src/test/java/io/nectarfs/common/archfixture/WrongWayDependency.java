package io.nectarfs.common.archfixture;

import io.nectarfs.object.ObjectStore;

/** A deliberate layering violation (common → object) that the architecture rule must reject. */
public final class WrongWayDependency {
  public ObjectStore store;
}
