package dev.plumbline.egress.dns;

import dev.plumbline.net.Addresses;
import dev.plumbline.net.Allowlist;
import dev.plumbline.net.HostNames;
import dev.plumbline.trace.EgressDecision;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the capture resolver says to one query, whatever carried it: decodes it, decides (block
 * mode answers NXDOMAIN/REFUSED for names the allowlist does not allow, and never forwards them),
 * asks the upstream nameservers, learns the answered addresses into the name book and records the
 * question. {@link CaptureResolver} is the transport around it.
 */
final class DnsAnswerer {
  private static final Logger log = LoggerFactory.getLogger(DnsAnswerer.class);

  private final List<InetSocketAddress> upstreams;
  /** Block mode: refused names get NXDOMAIN and never reach the upstream nameserver. */
  private final boolean blocking;
  private final Allowlist allowlist;
  private final NameBook names;
  private final Consumer<DnsObservation> sink;
  private final SocketOwners owners;
  private final Clock clock;
  private final UpstreamForwarder upstream;

  DnsAnswerer(
      List<InetSocketAddress> upstreams,
      boolean blocking,
      Allowlist allowlist,
      NameBook names,
      Consumer<DnsObservation> sink,
      SocketOwners owners,
      Clock clock,
      UpstreamForwarder upstream) {
    this.upstreams = List.copyOf(upstreams);
    this.blocking = blocking;
    this.allowlist = allowlist;
    this.names = names;
    this.sink = sink;
    this.owners = owners;
    this.clock = clock;
    this.upstream = upstream;
  }

  /** The reply for one query (null: none), after deciding, forwarding and recording. */
  byte[] answer(byte[] query, InetSocketAddress client, boolean overTcp) {
    String transport = overTcp ? "tcp" : "udp";
    int pid = owners == null ? 0 : owners.ownerOf(client, overTcp);
    DnsMessage q;
    try {
      q = DnsCodec.decodeQuery(query, query.length);
    } catch (DnsFormatException e) {
      record(pid, "(malformed)", "", List.of(), blocking ? EgressDecision.BLOCKED : EgressDecision.AUDITED, "FORMERR", transport);
      return formErr(query);
    }
    if (q.isResponse()) {
      return null; // a stray response, not a question: nothing to answer
    }
    boolean block = blocking;
    if (block) {
      String refusal = refusal(q);
      if (refusal != null) {
        for (DnsMessage.Question question : questionsOrPlaceholder(q)) {
          record(pid, question.name(), DnsMessage.typeName(question.type()), List.of(), EgressDecision.BLOCKED, refusal, transport);
        }
        try {
          int rcode = refusal.equals("NXDOMAIN") ? DnsMessage.RCODE_NXDOMAIN : DnsMessage.RCODE_REFUSED;
          return DnsCodec.errorResponse(query, query.length, rcode);
        } catch (DnsFormatException e) {
          return formErr(query);
        }
      }
    }
    EgressDecision decision = EgressDecision.passed(block);
    byte[] reply = upstream.forward(query, q.id(), overTcp, targets(pid));
    if (reply == null) {
      for (DnsMessage.Question question : questionsOrPlaceholder(q)) {
        record(pid, question.name(), DnsMessage.typeName(question.type()), List.of(), decision, "SERVFAIL", transport);
      }
      try {
        return DnsCodec.errorResponse(query, query.length, DnsMessage.RCODE_SERVFAIL);
      } catch (DnsFormatException e) {
        return formErr(query);
      }
    }
    DnsMessage r = null;
    try {
      r = DnsCodec.decode(reply);
    } catch (DnsFormatException e) {
      log.debug("undecodable upstream answer relayed as is: {}", e.getMessage());
    }
    for (DnsMessage.Question question : questionsOrPlaceholder(q)) {
      List<String> answers = r == null ? List.of() : attribute(question.name(), r);
      String rcode = r == null ? "UNDECODABLE" : DnsMessage.rcodeName(r.rcode());
      if (r != null && r.truncated()) {
        rcode += " (truncated)";
      }
      record(pid, question.name(), DnsMessage.typeName(question.type()), answers, decision, rcode, transport);
    }
    return reply;
  }

  /** Why block mode does not forward this query (an rcode name), or null when it may go upstream. */
  private String refusal(DnsMessage q) {
    if (q.opcode() != 0 || q.questions().size() != 1) {
      return "REFUSED"; // only plain one-question queries leave the host
    }
    String name = q.questions().get(0).name();
    return HostNames.canonical(name) != null && allowlist.allowsName(name) ? null : "NXDOMAIN";
  }

  private static List<DnsMessage.Question> questionsOrPlaceholder(DnsMessage q) {
    return q.questions().isEmpty() ? List.of(new DnsMessage.Question("(no question)", 0, 0)) : q.questions();
  }

  /**
   * The answer values for {@code question}, following its CNAME chain; every A/AAAA address on the
   * chain is attributed to the question's name (what the build asked for).
   */
  private List<String> attribute(String question, DnsMessage r) {
    Set<String> chain = new HashSet<>();
    String q = question.toLowerCase(Locale.ROOT);
    chain.add(q);
    boolean grew = true;
    while (grew) {
      grew = false;
      for (DnsMessage.ResourceRecord rr : r.answers()) {
        if (rr.type() == DnsMessage.TYPE_CNAME && rr.value() != null && chain.contains(rr.name().toLowerCase(Locale.ROOT))) {
          grew |= chain.add(rr.value().toLowerCase(Locale.ROOT));
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (DnsMessage.ResourceRecord rr : r.answers()) {
      if (!chain.contains(rr.name().toLowerCase(Locale.ROOT)) || rr.value() == null) {
        continue;
      }
      if (rr.type() == DnsMessage.TYPE_A || rr.type() == DnsMessage.TYPE_AAAA) {
        names.add(question, Addresses.parseLiteral(rr.value()));
        out.add(rr.value());
      } else if (rr.type() == DnsMessage.TYPE_CNAME) {
        out.add(rr.value());
      }
    }
    return out.stream().distinct().sorted().toList();
  }

  /**
   * Where to forward: audit mode asks the nameserver the process meant to ask (so a build with its
   * own resolver configuration gets the same answers as without plumbline); block mode always asks
   * the system's nameservers, since an answer from a server the build chose could point an allowed
   * name at any address.
   */
  private List<InetSocketAddress> targets(int pid) {
    if (!blocking && owners != null && pid > 0) {
      InetSocketAddress wanted = owners.originalFor(pid);
      if (wanted != null && !upstreams.contains(wanted)) {
        return List.of(wanted);
      }
    }
    return upstreams;
  }

  private static byte[] formErr(byte[] query) {
    if (query.length < 2) {
      return null;
    }
    byte[] r = new byte[12];
    r[0] = query[0];
    r[1] = query[1];
    r[2] = (byte) 0x80;
    r[3] = (byte) (0x80 | DnsMessage.RCODE_FORMERR);
    return r;
  }

  private void record(int pid, String name, String type, List<String> answers, EgressDecision decision, String rcode, String transport) {
    try {
      sink.accept(new DnsObservation(clock.instant(), pid, name, type, answers, decision, rcode, transport));
    } catch (RuntimeException e) {
      log.warn("DNS observation lost: {}", e.toString());
    }
  }

}
