package io.nectarfs.fuse;

import io.nectarfs.fuse.wire.Buf;

/**
 * How requests reach the {@link FuseServer} and its replies reach the kernel. The opcode
 * dispatch is shared; a transport only moves bytes: {@link DevFuseTransport} reads and writes
 * {@code /dev/fuse}, {@link UringTransport} exchanges them through FUSE-over-io_uring ring
 * entries (the kernel still sends INIT, FORGET and INTERRUPT, and takes notifications, on
 * {@code /dev/fuse}, so that transport always runs).
 */
interface FuseTransport {
  /**
   * A request's way back to the kernel. For a request that expects a reply, exactly one of the
   * methods is called exactly once, from any thread.
   */
  interface ReplyTo {
    /** Sends the reply built in {@code b[0, len)} (fuse_out_header first); {@code b} stays the caller's. */
    void reply(Buf b, int len);

    /** Sends a header-only reply with {@code negErrno} (0 or a negative errno). */
    void error(long unique, int negErrno);
  }

  /** What a transport feeds. */
  interface Requests {
    /**
     * Handles the request of {@code n} bytes in {@code b}, a buffer taken from the server's pool
     * that the server gives back. Called on the transport's thread; {@code mayRunHere} says that
     * thread may run the handler itself before returning (the transport reads on without it, as
     * {@link DevFuseTransport}'s workers do); otherwise the server must not block it for long.
     */
    void dispatch(ReplyTo to, Buf b, int n, boolean mayRunHere);

    /** The connection ended (unmounted, aborted) or the transport failed; {@code why} is one line. */
    void ended(String why);
  }

  /** "dev-fuse" or "io-uring". */
  String name();

  /** Asks the transport's threads to stop and waits for them until {@code deadlineNanos} (System.nanoTime). */
  void stop(long deadlineNanos);

  /** Waits for {@code t} until {@code deadlineNanos}; keeps the interrupt status. */
  static void joinUntil(Thread t, long deadlineNanos) {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0 || t == Thread.currentThread()) {
      return;
    }
    try {
      t.join(java.time.Duration.ofNanos(left));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
