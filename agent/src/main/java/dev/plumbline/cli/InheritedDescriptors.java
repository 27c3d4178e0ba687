package dev.plumbline.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The descriptors the user's process handed to {@code plumbline run} (a make jobserver's pipe, a
 * descriptor a CI step set up), which the build must inherit as a wrapper like {@code env} or
 * {@code time} would pass them. The launcher (scripts/plumbline) lists them in
 * {@value #VARIABLE} before it starts the JVM: the shell's descriptors above 2 without
 * close-on-exec, i.e. exactly those the JVM inherits — the JVM's own files (the jar, sockets of
 * the resolver) are opened later and are never on the list. A descriptor plumbline itself reads
 * ({@code --key /dev/fd/N}, any option naming {@code /dev/fd/N} or {@code /proc/self/fd/N}) is
 * the agent's and is not passed on. Without the variable (the jar started directly) the build
 * gets descriptors 0–2 only.
 */
final class InheritedDescriptors {
  static final String VARIABLE = "PLUMBLINE_INHERITED_FDS";
  private static final Pattern FD_PATH = Pattern.compile("/(?:dev|proc/self|proc/thread-self)/fd/(\\d+)");
  /** posix_spawn closes each number below the highest kept one: keep the list sane. */
  private static final int HIGHEST = 65535;

  private InheritedDescriptors() {}

  /** The descriptors to pass: listed by the launcher, still open here, not named by the agent's own options. */
  static List<Integer> toPass(Map<String, String> env, List<String> agentArgs, Path procSelfFd) {
    String listed = env.get(VARIABLE);
    if (listed == null || listed.isBlank()) {
      return List.of();
    }
    Set<Integer> agentOwn = new TreeSet<>();
    for (String arg : agentArgs) {
      Matcher m = FD_PATH.matcher(arg);
      while (m.find()) {
        agentOwn.add(Integer.parseInt(m.group(1)));
      }
    }
    Set<Integer> pass = new TreeSet<>();
    for (String word : listed.trim().split("\\s+")) {
      if (!word.matches("\\d{1,5}")) {
        continue;
      }
      int fd = Integer.parseInt(word);
      if (fd > 2 && fd <= HIGHEST && !agentOwn.contains(fd) && Files.exists(procSelfFd.resolve(word))) {
        pass.add(fd);
      }
    }
    return List.copyOf(pass);
  }
}
