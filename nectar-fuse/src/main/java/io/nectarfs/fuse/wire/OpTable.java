package io.nectarfs.fuse.wire;

import java.io.IOException;

/**
 * The opcode table (go-fuse's {@code operationHandler}): for each opcode its name, the minimum
 * body size the kernel must send, how it is dispatched and its handler. Opcodes without an entry
 * are answered ENOSYS.
 */
public final class OpTable {
  /** How the server runs an operation. */
  public enum Dispatch {
    /** No reply at all (FORGET, BATCH_FORGET, INTERRUPT, NOTIFY_REPLY); run on the reader. */
    NO_REPLY,
    /** Cheap and never blocking: run on the reader thread. */
    INLINE,
    /** Run on a virtual thread, counted against the concurrency bound. */
    ASYNC,
    /** May wait for a long time (SETLKW): a virtual thread outside the bound. */
    BLOCKING
  }

  /** Decodes a request, does the work and encodes the reply body; errors are thrown. */
  @FunctionalInterface
  public interface Handler {
    void handle(Request req, Reply out) throws IOException;
  }

  /** One row of the table. */
  public record Op(int code, String name, int minIn, Dispatch dispatch, Handler handler) {}

  private final Op[] ops = new Op[64];

  /** Adds or replaces a row. */
  public OpTable on(int code, int minIn, Dispatch dispatch, Handler handler) {
    ops[code] = new Op(code, Opcode.name(code), minIn, dispatch, handler);
    return this;
  }

  /** The row for {@code code}, or null (answer ENOSYS). */
  public Op get(int code) {
    return code >= 0 && code < ops.length ? ops[code] : null;
  }

  /** Number of opcodes with a handler. */
  public int size() {
    int n = 0;
    for (Op op : ops) {
      if (op != null) {
        n++;
      }
    }
    return n;
  }
}
