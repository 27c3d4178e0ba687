package dev.plumbline.trace;

import java.net.InetSocketAddress;

/**
 * Decides, at the moment a traced process tries to reach a destination, whether the call may go
 * ahead. Called on the tracer thread: implementations must answer from memory, never block on I/O.
 */
public interface EgressGate {

  /**
   * A destination about to be used. {@code address} is null for unix sockets, {@code path} null for
   * inet; an abstract unix socket name is given as {@code @name}.
   */
  record Attempt(int pid, String syscall, String family, String protocol, String address, int port, String path) {}

  /** What to do with the call: let it run, refuse it with an errno, or send it elsewhere (DNS capture). */
  sealed interface Decision {
    record Allow() implements Decision {}

    record Block(int errno, String reason) implements Decision {}

    record Redirect(InetSocketAddress to) implements Decision {}
  }

  Decision decide(Attempt attempt);

  /**
   * The DNS name the address was answered for during this run (or found in /etc/hosts), for the
   * record; null when unknown. Answered from memory like {@link #decide}. (Added by egress.)
   */
  default String hostnameFor(String address) {
    return null;
  }

  /**
   * Whether {@code io_uring_setup} must fail with ENOSYS: true in block mode, where io_uring would
   * let a build reach the network without a syscall the tracer can inspect. (Added by egress.)
   */
  default boolean refusesIoUring() {
    return false;
  }

  /** Called once when tracing ends: stops the DNS resolver, if any. (Added by egress.) */
  default void close() {}

  /** Records everything and changes nothing: the default when no egress policy is given. */
  static EgressGate auditAll() {
    return attempt -> new Decision.Allow();
  }
}
