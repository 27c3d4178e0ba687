package dev.plumbline.packages;

import java.nio.file.Path;
import java.util.Map;

/**
 * Digests of a file taken by an earlier read (the one that hashed what ran), offered to
 * {@link DigestMatch#check} so that it need not read the file again. An implementation answers only
 * when it can vouch that the file at {@code file} still has the content that read saw (the agent's
 * hasher: the same device, inode, size, mtime and ctime), and null otherwise; the check then reads.
 */
@FunctionalInterface
public interface KnownDigests {
  /** Nothing known: every check reads the file. */
  KnownDigests NONE = file -> null;

  /** Algorithm (sha256, md5, ...) → lower-case hex of the file's content now, or null when not known. */
  Map<String, String> of(Path file);
}
