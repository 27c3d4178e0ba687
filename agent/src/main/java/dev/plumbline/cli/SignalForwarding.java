package dev.plumbline.cli;

import dev.plumbline.linux.Linux;
import dev.plumbline.trace.Tracer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGINT, SIGTERM and SIGHUP sent to plumbline go to the build instead of ending the JVM: the build
 * decides how to stop, and plumbline still writes the record of what happened. sun.misc.Signal
 * (module jdk.unsupported) works on Java 17 through 25.
 */
final class SignalForwarding {
  private static final Logger log = LoggerFactory.getLogger(SignalForwarding.class);

  private SignalForwarding() {}

  /** Installs the forwarding; closing puts the previous handlers back. */
  static AutoCloseable install(Tracer tracer) {
    java.util.Map<Signal, sun.misc.SignalHandler> previous = new java.util.HashMap<>();
    for (String name : new String[] {"INT", "TERM", "HUP"}) {
      try {
        Signal signal = new Signal(name);
        previous.put(signal, Signal.handle(signal, sig -> {
          // a terminal's Ctrl-C already reached the build: it is in our process group
          if (sig.getNumber() == 2 && Linux.inTerminalForeground()) {
            return;
          }
          tracer.forwardSignal(sig.getNumber());
        }));
      } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
        log.debug("cannot forward SIG{}: {}", name, e.toString());
      }
    }
    return () -> previous.forEach(Signal::handle);
  }
}
