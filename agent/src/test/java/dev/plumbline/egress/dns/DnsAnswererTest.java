package dev.plumbline.egress.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.plumbline.net.Allowlist;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** answer(bytes) → bytes without a socket: the upstream is a stand-in that records what it was asked. */
class DnsAnswererTest {
  static final InetSocketAddress UPSTREAM = new InetSocketAddress(InetAddress.getLoopbackAddress(), 53);
  static final InetSocketAddress CLIENT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

  /** Answers every query with one A record 192.0.2.7 and remembers the names it was asked. */
  static final class RecordingUpstream extends UpstreamForwarder {
    final List<String> asked = new ArrayList<>();

    @Override
    byte[] forward(byte[] query, int id, boolean overTcp, List<InetSocketAddress> targets) {
      try {
        DnsMessage q = DnsCodec.decodeQuery(query, query.length);
        String name = q.questions().get(0).name();
        asked.add(name);
        return DnsEncoder.encode(new DnsMessage(id, DnsMessage.FLAG_QR | DnsMessage.FLAG_RD | DnsMessage.FLAG_RA, q.questions(),
            List.of(DnsEncoder.addressRecord(name, InetAddress.getByName("192.0.2.7"), 60)), List.of(), List.of()));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  static DnsAnswerer answerer(boolean blocking, RecordingUpstream up, NameBook names, List<DnsObservation> seen) throws Exception {
    return new DnsAnswerer(List.of(UPSTREAM), blocking, Allowlist.parse(List.of("allowed.test")), names, seen::add, null,
        Clock.systemUTC(), up);
  }

  @Test
  void blockModeAnswersARefusedNameItselfAndNeverAsksUpstream() throws Exception {
    RecordingUpstream up = new RecordingUpstream();
    List<DnsObservation> seen = new ArrayList<>();
    DnsAnswerer a = answerer(true, up, new NameBook(), seen);
    DnsMessage r = DnsCodec.decode(a.answer(CaptureResolverTest.query(7, "denied.test", DnsMessage.TYPE_A), CLIENT, false));
    assertEquals(DnsMessage.RCODE_NXDOMAIN, r.rcode());
    assertEquals(7, r.id());
    assertEquals(List.of(), up.asked, "a refused name never leaves the agent");
    assertEquals("blocked", seen.get(0).decision().label());
  }

  @Test
  void anAllowedNameIsForwardedItsAnswerRelayedAndLearned() throws Exception {
    RecordingUpstream up = new RecordingUpstream();
    List<DnsObservation> seen = new ArrayList<>();
    NameBook names = new NameBook();
    DnsAnswerer a = answerer(true, up, names, seen);
    DnsMessage r = DnsCodec.decode(a.answer(CaptureResolverTest.query(8, "allowed.test", DnsMessage.TYPE_A), CLIENT, true));
    assertEquals(DnsMessage.RCODE_NOERROR, r.rcode());
    assertEquals(List.of("allowed.test"), up.asked);
    assertEquals(List.of("192.0.2.7"), seen.get(0).answers());
    assertEquals("allowed", seen.get(0).decision().label());
    assertEquals("tcp", seen.get(0).transport());
    assertTrue(names.namesFor(InetAddress.getByName("192.0.2.7")).contains("allowed.test"), "the address is now known by name");
  }

  @Test
  void auditModeForwardsEveryName() throws Exception {
    RecordingUpstream up = new RecordingUpstream();
    List<DnsObservation> seen = new ArrayList<>();
    DnsAnswerer a = answerer(false, up, new NameBook(), seen);
    DnsMessage r = DnsCodec.decode(a.answer(CaptureResolverTest.query(9, "denied.test", DnsMessage.TYPE_A), CLIENT, false));
    assertEquals(DnsMessage.RCODE_NOERROR, r.rcode());
    assertEquals(List.of("denied.test"), up.asked);
    assertEquals("audited", seen.get(0).decision().label());
  }
}
