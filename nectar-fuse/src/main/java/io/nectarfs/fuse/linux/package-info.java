/**
 * Hand-written FFM downcalls into glibc (no JNI, no generated bindings): open/read/write/poll/
 * ioctl(FUSE_DEV_IOC_CLONE) on {@code /dev/fuse}, mount(2)/umount2(2), {@code fusermount3} through
 * posix_spawnp with a socket on fd 3, and SCM_RIGHTS descriptor passing. Struct layouts are those
 * of 64-bit glibc and live in one place each.
 */
package io.nectarfs.fuse.linux;
