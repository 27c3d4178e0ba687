package dev.plumbline.egress;

import java.net.InetSocketAddress;

/**
 * Decides, at the moment a traced process tries to reach a destination, whether the call may go
 * ahead. Called on the tracer thread: implementations must answer from memory, never block on I/O.
 */
public interface EgressGate {

  /** A destination about to be used. {@code address} is null for unix sockets, {@code path} for inet. */
  record Attempt(int pid, String syscall, String family, String protocol, String address, int port, String path) {}

  /** What to do with the call: let it run, refuse it with an errno, or send it elsewhere (DNS capture). */
  sealed interface Decision {
    record Allow() implements Decision {}

    record Block(int errno, String reason) implements Decision {}

    record Redirect(InetSocketAddress to) implements Decision {}
  }

  Decision decide(Attempt attempt);

  /** Records everything and changes nothing: the default when no egress policy is given. */
  static EgressGate auditAll() {
    return attempt -> new Decision.Allow();
  }
}
