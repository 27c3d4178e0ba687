package dev.plumbline.egress.dns;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DnsCodecTest {

  /** www.example.org A response: CNAME to example.org, then A and AAAA, all names compressed. */
  static final byte[] RESPONSE =
      HexFormat.of()
          .parseHex(
              "12348180000100030000000003777777076578616d706c65036f72670000010001"
                  + "c00c0005000100000e100002c010"
                  + "c010000100010000003c0004c0000201"
                  + "c010001c00010000003c001020010db8000000000000000000000001");

  @Test
  void decodesCompressedCnameAAndAaaa() throws Exception {
    DnsMessage m = DnsCodec.decode(RESPONSE);
    assertEquals(0x1234, m.id());
    assertTrue(m.isResponse());
    assertEquals(DnsMessage.RCODE_NOERROR, m.rcode());
    assertEquals(List.of(new DnsMessage.Question("www.example.org", 1, 1)), m.questions());
    assertEquals(3, m.answers().size());
    DnsMessage.ResourceRecord cname = m.answers().get(0);
    assertEquals("www.example.org", cname.name());
    assertEquals(DnsMessage.TYPE_CNAME, cname.type());
    assertEquals(3600, cname.ttl());
    assertEquals("example.org", cname.value());
    assertEquals("example.org", m.answers().get(1).name());
    assertEquals("192.0.2.1", m.answers().get(1).value());
    assertEquals(DnsMessage.TYPE_AAAA, m.answers().get(2).type());
    assertEquals("2001:db8::1", m.answers().get(2).value());
  }

  @Test
  void everyTruncationIsAFormatErrorNeverACrash() {
    for (int len = 0; len < RESPONSE.length; len++) {
      int l = len;
      assertThrows(DnsFormatException.class, () -> DnsCodec.decode(RESPONSE, l), "length " + l);
    }
  }

  @Test
  void pointerLoopsAndForwardPointersAreRejected() {
    byte[] self = HexFormat.of().parseHex("000001000001000000000000c00c00010001");
    DnsFormatException e = assertThrows(DnsFormatException.class, () -> DnsCodec.decode(self));
    assertTrue(e.getMessage().contains("pointer"), e.getMessage());
    byte[] forward = HexFormat.of().parseHex("000001000001000000000000c00e0001000100");
    assertThrows(DnsFormatException.class, () -> DnsCodec.decode(forward));
    byte[] badLabelType = HexFormat.of().parseHex("000001000001000000000000" + "4161" + "00010001");
    assertThrows(DnsFormatException.class, () -> DnsCodec.decode(badLabelType));
  }

  @Test
  void aRecordWithWrongLengthIsAFormatError() {
    byte[] bad = HexFormat.of().parseHex("000081800000000100000000" + "00" + "000100010000003c0003c00002");
    assertThrows(DnsFormatException.class, () -> DnsCodec.decode(bad));
  }

  @Test
  void labelsWithDotsOrOddBytesAreEscapedSoTheyCannotPassForTwoLabels() throws Exception {
    // one label "a.b" then "org": not the name a.b.org
    byte[] q = HexFormat.of().parseHex("00000100000100000000000003612e62036f72670000010001");
    DnsMessage m = DnsCodec.decode(q);
    assertEquals("a\\046b.org", m.questions().get(0).name());
  }

  @Test
  void mutatedPacketsOnlyEverThrowFormatErrors() {
    Random random = new Random(42);
    for (int i = 0; i < 20000; i++) {
      byte[] p = RESPONSE.clone();
      int flips = 1 + random.nextInt(4);
      for (int f = 0; f < flips; f++) {
        p[random.nextInt(p.length)] = (byte) random.nextInt(256);
      }
      try {
        DnsCodec.decode(p, random.nextInt(p.length + 1));
      } catch (DnsFormatException expected) {
        assertFalse(expected.getMessage().isBlank());
      }
    }
  }

  @Test
  void encodeThenDecodeRoundTrips() throws Exception {
    DnsMessage m =
        new DnsMessage(
            7,
            DnsMessage.FLAG_QR | DnsMessage.FLAG_RD | DnsMessage.FLAG_RA,
            List.of(new DnsMessage.Question("api.test", DnsMessage.TYPE_AAAA, 1)),
            List.of(
                DnsEncoder.cnameRecord("api.test", "edge.test", 30),
                DnsEncoder.addressRecord("edge.test", InetAddress.getByName("::1"), 30),
                DnsEncoder.addressRecord("edge.test", InetAddress.getByName("127.0.0.9"), 30)),
            List.of(),
            List.of());
    DnsMessage back = DnsCodec.decode(DnsEncoder.encode(m));
    assertEquals(m.questions(), back.questions());
    assertEquals("edge.test", back.answers().get(0).value());
    assertEquals("::1", back.answers().get(1).value());
    assertEquals("127.0.0.9", back.answers().get(2).value());
    assertEquals(DnsMessage.TYPE_A, back.answers().get(2).type());
  }

  @Test
  void errorResponseCopiesIdAndQuestionAndSetsRcode() throws Exception {
    byte[] query =
        HexFormat.of().parseHex("beef01000001000000000001" + "0465766c6c0474657374000001" + "0001" + "0000291000000000000000");
    byte[] resp = DnsCodec.errorResponse(query, query.length, DnsMessage.RCODE_NXDOMAIN);
    DnsMessage m = DnsCodec.decode(resp);
    assertEquals(0xbeef, m.id());
    assertTrue(m.isResponse());
    assertEquals(DnsMessage.RCODE_NXDOMAIN, m.rcode());
    assertEquals((DnsMessage.FLAG_RD), m.flags() & DnsMessage.FLAG_RD);
    assertEquals(List.of(new DnsMessage.Question("evll.test", 1, 1)), m.questions());
    assertTrue(m.additionals().isEmpty());
    assertArrayEquals(java.util.Arrays.copyOfRange(query, 12, 27), java.util.Arrays.copyOfRange(resp, 12, 27));
    assertThrows(DnsFormatException.class, () -> DnsCodec.errorResponse(query, 20, DnsMessage.RCODE_REFUSED));
  }

  @Test
  void otherTypesKeepRawData() throws Exception {
    DnsMessage m =
        new DnsMessage(
            1, DnsMessage.FLAG_QR, List.of(), List.of(new DnsMessage.ResourceRecord("t.test", 16, 1, 5, new byte[] {3, 'a', 'b', 'c'}, null)),
            List.of(), List.of());
    DnsMessage.ResourceRecord rr = DnsCodec.decode(DnsEncoder.encode(m)).answers().get(0);
    assertNull(rr.value());
    assertArrayEquals(new byte[] {3, 'a', 'b', 'c'}, rr.data());
    assertEquals("TXT", DnsMessage.typeName(rr.type()));
  }
}
