/**
 * Serves a {@link io.nectarfs.vfs.Vfs} through the Linux FUSE kernel protocol, without libfuse.
 *
 * <p>{@link io.nectarfs.fuse.FuseMount} mounts (mount(2) as root, {@code fusermount3} otherwise)
 * and unmounts; {@link io.nectarfs.fuse.FuseServer} reads requests with one reader per cloned
 * {@code /dev/fuse} descriptor, runs them on virtual threads and answers each with one write;
 * {@code VfsBridge} maps opcodes to Vfs calls; {@link io.nectarfs.fuse.MountOptions} holds the
 * knobs (TTLs, max_write, readers, read-only, direct I/O, writeback cache); {@link
 * io.nectarfs.fuse.FuseSession} is the handover seam (descriptors plus negotiated INIT state,
 * passed to a successor with SCM_RIGHTS).
 */
package io.nectarfs.fuse;
