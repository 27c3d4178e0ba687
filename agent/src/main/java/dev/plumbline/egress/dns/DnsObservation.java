package dev.plumbline.egress.dns;

import dev.plumbline.trace.EgressDecision;
import java.time.Instant;
import java.util.List;

/**
 * One DNS question a traced process asked the agent's resolver, and what it got: the addresses and
 * CNAME targets answered, the decision (allowed, blocked or audited), the response code and the
 * transport (udp or tcp). {@code pid} is 0 when the asking process could not be identified.
 */
public record DnsObservation(
    Instant at, int pid, String name, String type, List<String> answers, EgressDecision decision, String rcode, String transport) {}
