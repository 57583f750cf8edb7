/**
 * Types shared by every NectarFS layer: the {@link io.nectarfs.common.Errno} outcome type and its
 * stackless {@link io.nectarfs.common.FsException}, byte sizes, URL redaction and secret lookup.
 * This package depends on nothing else in NectarFS.
 */
package io.nectarfs.common;
