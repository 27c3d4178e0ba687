package dev.plumbline.record;

import dev.plumbline.net.Addresses;

/** How a recorded destination is shown to people: one line, the same in the summary, reports and verdicts. */
public final class Destinations {
  private Destinations() {}

  /** {@code 127.0.0.1:80}, {@code [::1]:443}, {@code unix:/run/x.sock}, {@code unix:@abstract}. */
  public static String endpoint(BuildRecord.Destination d) {
    if ("unix".equals(d.family())) {
      return "unix:" + (d.address() == null || d.address().isEmpty() ? "(unnamed)" : d.address());
    }
    return Addresses.withPort(d.address(), d.port());
  }

  /** A destination as people say it: {@code name:port (address:port/proto)}, or the endpoint alone. */
  public static String describe(BuildRecord.Destination d) {
    if ("unix".equals(d.family())) {
      return endpoint(d);
    }
    String ap = endpoint(d) + (d.protocol() == null ? "" : "/" + d.protocol());
    return d.hostname() == null ? ap : d.hostname() + (d.port() == null ? "" : ":" + d.port()) + " (" + ap + ")";
  }
}
