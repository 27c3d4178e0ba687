package dev.plumbline.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.plumbline.packages.DigestMatch;
import dev.plumbline.packages.Purl;
import dev.plumbline.packages.Versions;
import dev.plumbline.policy.Glob;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What {@code plumbline query} looks for in a verified predicate. Every filter given must match
 * (AND); the evidence of each is returned. No filter at all matches every attestation.
 */
public final class Filters {
  /** One filter: what it was given as ({@code --package liblzma5}) and how it matches. */
  private interface Filter {
    String display();

    /** Evidence lines, empty when it does not match. */
    List<String> evidence(JsonNode predicate);
  }

  private final List<Filter> filters = new ArrayList<>();

  /** {@code NAME}, {@code NAME@VERSION} or {@code NAME@RANGE} (comma-separated {@code >=V}, {@code <V}, ...). */
  public Filters pkg(String spec) throws QueryException {
    int at = spec.indexOf('@');
    String name = (at < 0 ? spec : spec.substring(0, at)).strip();
    if (name.isEmpty()) {
      throw new QueryException("--package needs a name: '" + spec + "'");
    }
    Versions.Range range;
    try {
      range = at < 0 ? null : Versions.Range.parse(spec.substring(at + 1));
    } catch (IllegalArgumentException e) {
      throw new QueryException("--package " + spec + ": " + e.getMessage());
    }
    String wanted = name.toLowerCase(Locale.ROOT);
    filters.add(new Filter() {
      public String display() {
        return "--package " + spec;
      }

      public List<String> evidence(JsonNode p) {
        List<String> out = new ArrayList<>();
        for (JsonNode u : p.path("packages").path("used")) {
          String n = u.path("name").asText("");
          String nameArch = n + ":" + u.path("arch").asText("");
          if (!n.equalsIgnoreCase(wanted) && !nameArch.equalsIgnoreCase(wanted)) {
            continue;
          }
          if (range != null && !range.contains(u.path("manager").asText(""), u.path("version").asText(""))) {
            continue;
          }
          out.add(packageEvidence(p, u));
        }
        return out;
      }
    });
    return this;
  }

  /** A purl: type, namespace, name and (when given) version must equal; each given qualifier must equal. */
  public Filters purl(String spec) throws QueryException {
    Purl want;
    try {
      want = Purl.parse(spec.strip());
    } catch (IllegalArgumentException e) {
      throw new QueryException("--purl: " + e.getMessage());
    }
    filters.add(new Filter() {
      public String display() {
        return "--purl " + spec;
      }

      public List<String> evidence(JsonNode p) {
        List<String> out = new ArrayList<>();
        for (JsonNode u : p.path("packages").path("used")) {
          Purl have;
          try {
            have = Purl.parse(u.path("purl").asText(""));
          } catch (IllegalArgumentException e) {
            continue;
          }
          if (purlMatches(want, have)) {
            out.add(packageEvidence(p, u));
          }
        }
        return out;
      }
    });
    return this;
  }

  static boolean purlMatches(Purl want, Purl have) {
    if (!want.type().equals(have.type()) || !want.name().equalsIgnoreCase(have.name())) {
      return false;
    }
    if (want.namespace() != null && !want.namespace().equalsIgnoreCase(String.valueOf(have.namespace()))) {
      return false;
    }
    if (want.version() != null && !want.version().equals(have.version())) {
      return false;
    }
    for (Map.Entry<String, String> q : want.qualifiers().entrySet()) {
      if (!q.getValue().equals(have.qualifiers().get(q.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** {@code sha256:HEX} of an executed binary, a library (a file mapped executable), a script or a packaged file that ran. */
  public Filters digest(String spec) throws QueryException {
    String hex = spec.strip().toLowerCase(Locale.ROOT);
    if (hex.startsWith("sha256:")) {
      hex = hex.substring(7);
    }
    if (!hex.matches("[0-9a-f]{64}")) {
      throw new QueryException("--digest must be sha256:HEX with 64 hex digits, not '" + spec + "'");
    }
    String want = hex;
    filters.add(new Filter() {
      public String display() {
        return "--digest sha256:" + want;
      }

      public List<String> evidence(JsonNode p) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode t : p.path("tools")) {
          if (want.equals(t.path("sha256").asText())) {
            out.add("executed " + t.path("path").asText());
          }
        }
        for (JsonNode l : p.path("libraries")) {
          if (want.equals(l.path("sha256").asText())) {
            out.add("loaded " + l.path("path").asText());
          }
        }
        for (JsonNode proc : p.path("processes")) {
          for (JsonNode e : proc.path("execs")) {
            JsonNode s = e.path("script");
            if (want.equals(s.path("sha256").asText())) {
              out.add("script " + s.path("path").asText());
            }
          }
        }
        for (JsonNode u : p.path("packages").path("used")) {
          for (JsonNode f : u.path("files")) {
            if (want.equals(f.path("sha256").asText())) {
              out.add(packageEvidence(p, u) + ": " + f.path("path").asText());
            }
          }
        }
        return List.copyOf(out);
      }
    });
    return this;
  }

  /** A glob over the paths of executed binaries ({@code /usr/bin/*}, {@code **}/xz). */
  public Filters tool(String spec) throws QueryException {
    Glob glob;
    try {
      glob = Glob.of(spec);
    } catch (IllegalArgumentException e) {
      throw new QueryException("--tool: " + e.getMessage());
    }
    filters.add(new Filter() {
      public String display() {
        return "--tool " + spec;
      }

      public List<String> evidence(JsonNode p) {
        List<String> out = new ArrayList<>();
        for (JsonNode t : p.path("tools")) {
          String path = t.path("path").asText("");
          if (glob.matches(path) || (!spec.contains("/") && glob.matches(path.substring(path.lastIndexOf('/') + 1)))) {
            out.add("executed " + path + " sha256:" + t.path("sha256").asText("?") + " ×" + t.path("count").asInt());
          }
        }
        return out;
      }
    });
    return this;
  }

  /** {@code HOST} or {@code HOST:PORT} ({@code [v6]:PORT}): a destination's hostname or address, or a DNS name asked. */
  public Filters destination(String spec) throws QueryException {
    String host = spec.strip();
    Integer port = null;
    int colon = host.lastIndexOf(':');
    boolean bracketed = host.startsWith("[");
    if (bracketed) {
      int close = host.indexOf(']');
      if (close < 0) {
        throw new QueryException("--destination: unclosed [ in '" + spec + "'");
      }
      if (close + 1 < host.length()) {
        if (host.charAt(close + 1) != ':') {
          throw new QueryException("--destination: expected [ADDRESS]:PORT, not '" + spec + "'");
        }
        port = port(host.substring(close + 2), spec);
      }
      host = host.substring(1, close);
    } else if (colon > 0 && host.indexOf(':') == colon) {
      port = port(host.substring(colon + 1), spec);
      host = host.substring(0, colon);
    }
    if (host.isEmpty()) {
      throw new QueryException("--destination needs a host: '" + spec + "'");
    }
    String wantHost = host.toLowerCase(Locale.ROOT);
    Integer wantPort = port;
    filters.add(new Filter() {
      public String display() {
        return "--destination " + spec;
      }

      public List<String> evidence(JsonNode p) {
        List<String> out = new ArrayList<>();
        for (JsonNode d : p.path("network")) {
          boolean hostMatch = wantHost.equalsIgnoreCase(d.path("hostname").asText("")) || wantHost.equalsIgnoreCase(d.path("address").asText(""));
          boolean portMatch = wantPort == null || (d.has("port") && d.path("port").asInt() == wantPort);
          if (hostMatch && portMatch) {
            out.add(d.path("protocol").asText("") + " " + (d.hasNonNull("hostname") ? d.path("hostname").asText() + " " : "")
                + d.path("address").asText("") + (d.has("port") ? ":" + d.path("port").asInt() : "") + " " + d.path("decision").asText("")
                + " ×" + d.path("count").asInt());
          }
        }
        if (wantPort == null) {
          for (JsonNode q : p.path("dns")) {
            if (wantHost.equalsIgnoreCase(q.path("name").asText(""))) {
              out.add("dns " + q.path("name").asText() + " " + q.path("type").asText("") + " " + q.path("decision").asText(""));
            }
          }
        }
        return out;
      }
    });
    return this;
  }

  private static int port(String text, String spec) throws QueryException {
    try {
      int p = Integer.parseInt(text);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new QueryException("--destination: '" + text + "' is not a port in '" + spec + "'");
    }
  }

  /** A used package {@code u} of predicate {@code p}, with its files that ran and their digest verdicts. */
  private static String packageEvidence(JsonNode p, JsonNode u) {
    // a match from a database that changed during the build is not shown as one (older records say match there)
    boolean databaseChanged = false;
    for (JsonNode d : p.path("packages").path("databases")) {
      if (d.path("manager").asText("").equals(u.path("manager").asText("")) && !d.path("changedDuringBuild").isEmpty()) {
        databaseChanged = true;
      }
    }
    List<String> files = new ArrayList<>();
    for (JsonNode f : u.path("files")) {
      String word = f.hasNonNull("digestMatch") ? DigestMatch.shown(f.path("digestMatch").asText(), databaseChanged) : null;
      files.add(f.path("path").asText() + (word == null ? "" : " (" + word + ")"));
    }
    return u.path("manager").asText("") + " " + u.path("name").asText("") + " " + u.path("version").asText("")
        + (u.hasNonNull("arch") ? " " + u.path("arch").asText() : "") + " " + String.join(", ", files);
  }

  public boolean isEmpty() {
    return filters.isEmpty();
  }

  /** Every filter's evidence, or null when one of them does not match. */
  List<Match> match(JsonNode predicate) {
    List<Match> out = new ArrayList<>();
    for (Filter f : filters) {
      List<String> ev = f.evidence(predicate);
      if (ev.isEmpty()) {
        return null;
      }
      ev.forEach(e -> out.add(new Match(f.display(), e)));
    }
    return out;
  }

  /** One piece of matching evidence and the filter it answers. */
  public record Match(String filter, String evidence) {}
}
