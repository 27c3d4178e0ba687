// Writes N signed Plumbline bundles of varied synthetic builds for `scripts/bench --query N`:
//   java -cp agent/target/plumbline.jar scripts/bench-query-bundles.java N OUTDIR KEYFILE
// Each build runs 25 tools from 20 packages out of 400 installed; one in 100 also ran xz-utils and
// liblzma5 5.6.0 (what the benchmark's query looks for). Records are about the size of a small
// real build's (~30 KB bundles): what a query parses and verifies per bundle.
import dev.plumbline.attest.Attestor;
import dev.plumbline.attest.CanonicalJson;
import dev.plumbline.attest.Predicate;
import dev.plumbline.attest.Statement;
import dev.plumbline.egress.EgressMode;
import dev.plumbline.record.BuildRecord;
import dev.plumbline.sign.KeySigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

public class BenchQueryBundles {
  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    Path out = Files.createDirectories(Path.of(args[1]));
    Attestor attestor = new Attestor(KeySigner.fromFile(Path.of(args[2]), Map.of()));
    Random random = new Random(42);
    List<String> installed = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      installed.add("lib-package-" + i + ":amd64");
    }
    for (int b = 0; b < n; b++) {
      boolean xz = b % 100 == 7;
      List<BuildRecord.Tool> tools = new ArrayList<>();
      List<BuildRecord.ProcessInfo> processes = new ArrayList<>();
      List<BuildRecord.UsedPackage> used = new ArrayList<>();
      for (int t = 0; t < 25; t++) {
        String path = "/usr/bin/tool-" + random.nextInt(200);
        String sha = hex(random, 32);
        tools.add(new BuildRecord.Tool(path, sha, 1 + random.nextInt(5)));
        processes.add(new BuildRecord.ProcessInfo(100 + t, 99, "2026-11-29T22:00:00Z", "2026-11-29T22:00:01Z", 0, null, false,
            List.of(new BuildRecord.Exec(path, sha, List.of(path, "--flag", "arg-" + t), "/work", "2026-11-29T22:00:00Z", null))));
        if (t < 20) {
          used.add(new BuildRecord.UsedPackage("dpkg", "lib-package-" + random.nextInt(400), "1." + t + "-1", "amd64",
              "pkg:deb/debian/lib-package-" + t + "@1." + t + "-1?arch=amd64&distro=debian-12",
              List.of(new BuildRecord.PackageFile(path, sha, List.of("exec"), null, "md5:" + hex(random, 16), "match"))));
        }
      }
      if (xz) {
        String sha = hex(random, 32);
        tools.add(new BuildRecord.Tool("/usr/bin/xz", sha, 1));
        used.add(new BuildRecord.UsedPackage("dpkg", "xz-utils", "5.6.0-0.1", "amd64", "pkg:deb/debian/xz-utils@5.6.0-0.1?arch=amd64&distro=debian-12",
            List.of(new BuildRecord.PackageFile("/usr/bin/xz", sha, List.of("exec"), null, "md5:" + hex(random, 16), "match"))));
        used.add(new BuildRecord.UsedPackage("dpkg", "liblzma5", "5.6.0-0.1", "amd64", "pkg:deb/debian/liblzma5@5.6.0-0.1?arch=amd64&distro=debian-12",
            List.of(new BuildRecord.PackageFile("/usr/lib/x86_64-linux-gnu/liblzma.so.5.6.0", hex(random, 32), List.of("library"), null, null, "unknown"))));
      }
      BuildRecord record = new BuildRecord(BuildRecord.FORMAT,
          new BuildRecord.Agent("plumbline", "bench", "ptrace+seccomp", EgressMode.AUDIT, List.of(), null, null, null),
          new BuildRecord.Invocation(List.of("make", "dist", "BUILD=" + b), "/work", "2026-11-29T22:00:00Z", "2026-11-29T22:01:00Z", 0, null),
          BuildRecord.Completeness.full(), tools, processes, List.of(), List.of(), List.of(), null, null, null,
          new BuildRecord.Packages(List.of(new BuildRecord.PackageDatabase("dpkg", 400, installed.subList(20, 400), null, null)), used, List.of()), null);
      byte[] statement = Attestor.statementBytes(
          List.of(Statement.Subject.sha256("dist/app-" + b + ".tar.gz", hex(random, 32))), Predicate.of(record, null));
      Files.write(out.resolve(String.format("build-%05d.sigstore.json", b)), CanonicalJson.bytes(attestor.sign(statement)));
    }
  }

  private static String hex(Random random, int bytes) {
    byte[] b = new byte[bytes];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
