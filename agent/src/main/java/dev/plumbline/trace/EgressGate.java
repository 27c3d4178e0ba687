package dev.plumbline.trace;

import dev.plumbline.net.Cidr;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Decides, at the moment a traced process tries to reach a destination, whether the call may go
 * ahead. Called on the tracer thread: implementations must answer from memory, never block on I/O.
 */
public interface EgressGate {

  /**
   * A destination about to be used. {@code address} is null for unix sockets, {@code path} null for
   * inet; an abstract unix socket name is given as {@code @name}.
   */
  record Attempt(int pid, String syscall, String family, String protocol, String address, int port, String path,
      SocketFile socketFile) {
    /** An attempt whose unix path (if any) was not resolved to a file. */
    public Attempt(int pid, String syscall, String family, String protocol, String address, int port, String path) {
      this(pid, syscall, family, protocol, address, port, path, null);
    }
  }

  /**
   * The file a unix socket path named for the tracee when the tracer checked it (resolved in the
   * tracee's root, working directory and mount namespace, symlinks followed): device (as in
   * stat's st_dev) and inode, so a hard link, a symlink or a bind mount is the same file. Only
   * given when {@link #checksUnixSockets()}; the tracer then connects to exactly this file.
   */
  record SocketFile(long dev, long ino) {}

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

  /**
   * Whether unix socket destinations are judged by file identity ({@code --deny-unix}): the tracer
   * then resolves each path in the tracee's view to a {@link SocketFile} and makes the allowed call
   * itself on that file, so no rename or rewrite after the check can change what is reached.
   */
  default boolean checksUnixSockets() {
    return false;
  }

  /**
   * The peers that may connect in to a socket the build listens on at {@code port} on an address
   * other hosts can reach (0.0.0.0, ::, a non-loopback address), as address blocks (loopback
   * included when allowed); null when any peer may (audit). The tracer attaches a locked socket
   * filter that drops every other peer's packets before the listener sees them. (Added by egress.)
   */
  default List<Cidr> inboundPeers(int port) {
    return null;
  }

  /** Called once when tracing ends: stops the DNS resolver, if any. (Added by egress.) */
  default void close() {}

  /** Records everything and changes nothing: the default when no egress policy is given. */
  static EgressGate auditAll() {
    return attempt -> new Decision.Allow();
  }
}
