package dev.plumbline.linux;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the JNA bindings of this package get their libraries. JNA's first library lookup ran
 * {@code /sbin/ldconfig -p} (a child process, ~40 ms of CPU and more of wall time at every agent
 * start) only to add the directories of ld.so.cache to its fallback search list; the libraries
 * bound here are found without it (by dlopen's own search, or in the directories JNA adds anyway),
 * so that list is given to JNA instead: the same directories, without running anything.
 */
final class NativeLibraries {
  private static final String PROPERTY = "jna.platform.library.path";

  private NativeLibraries() {}

  /** {@link NativeLibrary#getInstance(String)} without JNA running ldconfig first. */
  static NativeLibrary get(String name) {
    preset();
    return NativeLibrary.getInstance(name);
  }

  /**
   * Binds {@code bindings}' native methods to OpenSSL's libcrypto, by either of the names a system
   * may give it; false when it has neither (the callers then fall back to the JDK).
   */
  static boolean registerLibcrypto(Class<?> bindings) {
    for (String name : new String[] {"crypto", "libcrypto.so.3"}) {
      try {
        Native.register(bindings, get(name));
        return true;
      } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
        // try the next name
      }
    }
    return false;
  }

  private static synchronized void preset() {
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, String.join(File.pathSeparator, platformPath()));
    }
  }

  /** JNA's own list for Linux (NativeLibrary's static initialiser) without ldconfig's additions: the directories that exist. */
  static List<String> platformPath() {
    String bits = Platform.is64Bit() ? "64" : "32";
    String multiArch = (Platform.isIntel() ? (Platform.is64Bit() ? "x86_64" : "i386") : Platform.ARCH) + "-linux-gnu";
    List<String> out = new ArrayList<>();
    for (String dir : List.of("/usr/lib/" + multiArch, "/lib/" + multiArch, "/usr/lib" + bits, "/lib" + bits, "/usr/lib", "/lib")) {
      if (new File(dir).isDirectory()) {
        out.add(dir);
      }
    }
    return out;
  }
}
