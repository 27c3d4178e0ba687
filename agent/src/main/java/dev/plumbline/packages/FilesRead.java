package dev.plumbline.packages;

import dev.plumbline.linux.PinnedFile;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a database's files and notes the state ({@link DatabaseFiles}' form) each had while it was
 * read, so that what the database answers can be checked against the fingerprint that vouches for
 * it ({@link DatabaseFiles.Fingerprint#disagreeing}): the reads after the fingerprint taken after
 * the build (the md5sums, the lists an owner is confirmed in), which a process outside the trace
 * could otherwise race with a rewrite right after that fingerprint. Each file is opened as an {@code
 * O_PATH} descriptor ({@link PinnedFile}), stat'ed, read through {@code /proc/self/fd/N} and stat'ed
 * again: the state noted is that of the inode read, whatever the path names meanwhile, and one
 * written during the read is noted as {@link #CHANGED_WHILE_READ}, which no fingerprint holds.
 */
final class FilesRead {
  static final String MISSING = "missing";
  static final String CHANGED_WHILE_READ = "changed while read";
  private static final int ENOENT = 2;
  private static final int ENOSYS = 38;

  /** What is read from an open file. */
  interface Reader<T> {
    T read(FileChannel channel) throws IOException;
  }

  /**
   * Reads without noting anything (the path itself, no descriptor stat'ed): for what a database
   * reads while the build runs ({@link PackageDatabase#prepare}), before the fingerprint after the
   * build, which then vouches for it (a file written since the fingerprint before shows in it); on
   * a short build that preparation ends after the build, and noting its ~700 dpkg lists cost ~20 ms
   * of wall (docs/benchmarks.md).
   */
  static final FilesRead UNNOTED = new FilesRead(false);

  private final Map<String, String> states = new ConcurrentHashMap<>();
  private final boolean noting;

  FilesRead() {
    this(true);
  }

  private FilesRead(boolean noting) {
    this.noting = noting;
  }

  /** File → its state while it was read (a file read twice in two states: {@link #CHANGED_WHILE_READ}). */
  Map<String, String> states() {
    return Map.copyOf(states);
  }

  private void note(String file, String state) {
    if (noting) {
      states.merge(file, state, (a, b) -> a.equals(b) ? a : CHANGED_WHILE_READ);
    }
  }

  /** The whole file, or null when it is missing. */
  byte[] bytesIfPresent(Path file) throws PackageDatabaseException {
    return readIfPresent(file, channel -> Channels.newInputStream(channel).readAllBytes());
  }

  /** The whole file. */
  byte[] bytes(Path file) throws PackageDatabaseException {
    byte[] b = bytesIfPresent(file);
    if (b == null) {
      throw new PackageDatabaseException(file + ": missing", new NoSuchFileException(file.toString()));
    }
    return b;
  }

  /** What {@code reader} reads of {@code file}, or null when the file is missing. */
  <T> T readIfPresent(Path file, Reader<T> reader) throws PackageDatabaseException {
    return read(file, file.toString(), path -> {
      try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
        return reader.read(channel);
      }
    });
  }

  /**
   * The entries of directory {@code dir}, as {@code dir.resolve(name)}; the directory's state is
   * noted under {@code dir + "/"}, as a snapshot holds it (an entry added or removed changes it).
   */
  List<Path> entries(Path dir) throws PackageDatabaseException {
    List<Path> out = read(dir, dir + "/", path -> {
      List<Path> names = new ArrayList<>();
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
        for (Path e : entries) {
          names.add(dir.resolve(e.getFileName().toString()));
        }
      }
      return names;
    });
    if (out == null) {
      throw new PackageDatabaseException(dir + ": cannot list: missing", new NoSuchFileException(dir.toString()));
    }
    return out;
  }

  /** Opens what {@code path} names (a file or a directory) and reads it. */
  private interface Open<T> {
    T read(Path path) throws IOException;
  }

  /**
   * {@code open} given {@code /proc/self/fd/N} of the pinned file, its state noted under
   * {@code key}; null when the file is missing. Without libc (no descriptor to stat) the path
   * itself is read, stat'ed before and after; {@link #UNNOTED} reads the path and notes nothing.
   */
  private <T> T read(Path file, String key, Open<T> open) throws PackageDatabaseException {
    PinnedFile pinned = null;
    if (noting) {
      try {
        pinned = PinnedFile.pin(file);
      } catch (PinnedFile.PinException e) {
        if (e.errno() == ENOENT) {
          note(key, MISSING);
          return null;
        }
        if (e.errno() != ENOSYS) {
          throw new PackageDatabaseException(file + ": cannot open: " + e.getMessage(), e);
        }
      }
    }
    String before = pinned == null && noting ? DatabaseFiles.stat(file) : null;
    try {
      T out = open.read(pinned == null ? file : pinned.via());
      if (pinned != null) {
        PinnedFile.Identity id = pinned.identity();
        note(key, pinned.unchanged()
            ? DatabaseFiles.state(id.inode(), id.size(), id.modifiedNanos(), id.changedNanos())
            : CHANGED_WHILE_READ);
      } else if (noting) {
        note(key, before.equals(DatabaseFiles.stat(file)) ? before : CHANGED_WHILE_READ);
      }
      return out;
    } catch (IOException e) {
      if (pinned == null && e instanceof NoSuchFileException) {
        note(key, MISSING);
        return null;
      }
      throw new PackageDatabaseException(file + ": cannot read: " + e.getMessage(), e);
    } finally {
      if (pinned != null) {
        pinned.close();
      }
    }
  }
}
