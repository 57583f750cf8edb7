/**
 * The FUSE wire protocol, pinned rather than taken from a header: opcodes, struct sizes per
 * negotiated minor, request decoding and in-place reply encoding (little endian), the INIT
 * negotiation as a pure function, and the opcode table (go-fuse's operation handlers).
 */
package io.nectarfs.fuse.wire;
