/**
 * Object storage: the {@link io.nectarfs.object.ObjectStore} contract every block of file data is
 * stored through, the {@code file://} and {@code mem://} backends, the registry that finds backends
 * by URL scheme ({@link io.nectarfs.object.ObjectStores}), and the decorators stacked over them.
 */
package io.nectarfs.object;
