package dev.plumbline.egress.dns;

import dev.plumbline.net.Addresses;
import dev.plumbline.net.HostNames;
import java.net.InetAddress;
import java.util.Collections;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which names each address was answered for, during one run (one traced process tree). The
 * resolver thread writes, the tracer thread reads without locking. No TTLs: an address once
 * answered for a name stays attributed to it for the rest of the run.
 */
public final class NameBook {
  private final ConcurrentHashMap<InetAddress, SortedSet<String>> names = new ConcurrentHashMap<>();

  /** Attributes {@code address} to {@code name} (canonicalised; invalid names are ignored). */
  public void add(String name, InetAddress address) {
    String n = HostNames.canonical(name);
    if (n == null || address == null) {
      return;
    }
    names.compute(
        Addresses.normalize(address),
        (k, old) -> {
          if (old != null && old.contains(n)) {
            return old;
          }
          TreeSet<String> next = old == null ? new TreeSet<>() : new TreeSet<>(old);
          next.add(n);
          return Collections.unmodifiableSortedSet(next);
        });
  }

  /** The names {@code address} was answered for, sorted; empty when none. */
  public Set<String> namesFor(InetAddress address) {
    SortedSet<String> s = names.get(Addresses.normalize(address));
    return s == null ? Set.of() : s;
  }

  /** One name for the record: the first in sorted order, or null. */
  public String hostnameFor(InetAddress address) {
    SortedSet<String> s = names.get(Addresses.normalize(address));
    return s == null || s.isEmpty() ? null : s.first();
  }

  public int size() {
    return names.size();
  }
}
