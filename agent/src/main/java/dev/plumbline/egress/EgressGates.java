package dev.plumbline.egress;

import dev.plumbline.egress.dns.CaptureResolver;
import dev.plumbline.egress.dns.DnsObservation;
import dev.plumbline.egress.dns.HostsFile;
import dev.plumbline.egress.dns.NameBook;
import dev.plumbline.egress.dns.ResolvConf;
import dev.plumbline.egress.dns.SocketOwners;
import dev.plumbline.net.Allowlist;
import dev.plumbline.net.RuleSyntaxException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the egress gate of a run from its options: allowlist, mode, DNS capture. */
public final class EgressGates {
  private static final Logger log = LoggerFactory.getLogger(EgressGates.class);

  private EgressGates() {}

  /** The egress options of {@code plumbline run}, as given (the mode already parsed: {@link EgressMode#parse}). */
  public record Options(EgressMode mode, List<String> allow, Path allowFile, boolean denyLoopback, List<String> denyUnix,
      List<String> allowUnix) {
    public Options {
      mode = mode == null ? EgressMode.AUDIT : mode;
      allow = allow == null ? List.of() : List.copyOf(allow);
      denyUnix = denyUnix == null ? List.of() : List.copyOf(denyUnix);
      allowUnix = allowUnix == null ? List.of() : List.copyOf(allowUnix);
    }

    /** Without {@code --allow-unix}. */
    public Options(EgressMode mode, List<String> allow, Path allowFile, boolean denyLoopback, List<String> denyUnix) {
      this(mode, allow, allowFile, denyLoopback, denyUnix, List.of());
    }
  }

  /** Where the host's resolver configuration lives (tests point these at fixtures). */
  public record HostFiles(Path resolvConf, Path hosts) {
    public static HostFiles system() {
      return new HostFiles(Paths.get("/etc/resolv.conf"), Paths.get("/etc/hosts"));
    }
  }

  /** Parses the options without starting anything: usage errors surface before the build runs. */
  public static Allowlist allowlist(Options o) throws EgressConfigException {
    try {
      Allowlist list = Allowlist.parse(o.allow());
      if (o.allowFile() != null) {
        list = list.plus(Allowlist.parseFile(o.allowFile()));
      }
      return list;
    } catch (RuleSyntaxException e) {
      throw new EgressConfigException(e.getMessage(), e);
    }
  }

  /**
   * The gate for a run: parses the options, loads /etc/hosts into the name book, and starts the
   * DNS capture resolver forwarding to the nameservers of resolv.conf. {@code dns} receives each
   * question the build asks, on the resolver's threads. Call {@link EgressGate#close()} when the
   * run ends.
   */
  public static EgressPolicy fromOptions(Options o, HostFiles files, Consumer<DnsObservation> dns, Clock clock)
      throws EgressConfigException {
    EgressMode mode = o.mode();
    Allowlist allowlist = allowlist(o);
    for (String p : o.denyUnix()) {
      if (p.isBlank()) {
        throw new EgressConfigException("--deny-unix needs a socket path");
      }
    }
    for (String p : o.allowUnix()) {
      if (!EgressPolicy.namesResolvingDaemon(p, EgressPolicy.NAME_RESOLVING_DAEMONS)) {
        // every other unix socket is allowed already: a path not on the list is a typo to hear about
        throw new EgressConfigException("--allow-unix " + (p.isBlank() ? "needs a socket path" : p
            + " is not a socket block mode refuses by default; those are: "
            + EgressPolicy.NAME_RESOLVING_DAEMONS.stream().map(d -> d.paths().get(0)).collect(java.util.stream.Collectors.joining(", "))
            + " (and their /var/run names)"));
      }
    }
    NameBook names = new NameBook();
    String hosts = readOrEmpty(files.hosts());
    for (HostsFile.Entry e : HostsFile.parse(hosts)) {
      names.add(e.name(), e.address());
    }
    List<InetSocketAddress> upstreams = ResolvConf.nameservers(readOrEmpty(files.resolvConf()));
    SocketOwners owners = SocketOwners.system();
    CaptureResolver resolver = new CaptureResolver(upstreams, mode == EgressMode.BLOCK, allowlist, names, dns, owners, clock);
    EgressPolicy.ResolverEndpoints endpoints = null;
    try {
      resolver.start();
      Set<InetAddress> system = new HashSet<>();
      for (InetSocketAddress u : upstreams) {
        system.add(u.getAddress());
      }
      endpoints = new EgressPolicy.ResolverEndpoints(resolver.inet(), resolver.inet6(), system);
    } catch (IOException e) {
      // Without the resolver DNS goes where the build sends it and is judged like any other
      // destination: still closed in block mode, but names are not learned.
      log.warn("DNS capture unavailable, names will be missing from the record: {}", e.getMessage());
      resolver.close();
    }
    CaptureResolver started = endpoints == null ? null : resolver;
    return new EgressPolicy(
        mode,
        allowlist,
        o.denyLoopback(),
        new ArrayList<>(o.denyUnix()),
        o.allowUnix(),
        EgressPolicy.NAME_RESOLVING_DAEMONS,
        names,
        endpoints,
        owners::noteRedirect,
        () -> {
          if (started != null) {
            started.close();
          }
        });
  }

  private static String readOrEmpty(Path p) {
    if (p == null) {
      return "";
    }
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      log.debug("cannot read {}: {}", p, e.toString());
      return "";
    }
  }
}
