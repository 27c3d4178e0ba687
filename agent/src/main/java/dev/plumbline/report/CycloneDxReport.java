package dev.plumbline.report;

import dev.plumbline.policy.Evidence;
import dev.plumbline.record.BuildRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.cyclonedx.Version;
import org.cyclonedx.exception.GeneratorException;
import org.cyclonedx.generators.BomGeneratorFactory;
import org.cyclonedx.model.Bom;
import org.cyclonedx.model.Component;
import org.cyclonedx.model.Hash;
import org.cyclonedx.model.LifecycleChoice;
import org.cyclonedx.model.Lifecycles;
import org.cyclonedx.model.Metadata;
import org.cyclonedx.model.Property;
import org.cyclonedx.model.metadata.ToolInformation;

/**
 * The build environment as the build used it, as a CycloneDX 1.6 BOM (JSON) made with the CycloneDX
 * library: lifecycle phase {@code build}; one component per OS package the build ran a file of
 * (purl, and a nested {@code file} component with the SHA-256 of each file that ran), one
 * {@code file} component per executed file no package owns. Components the build executed are
 * marked {@code plumbline:role = build-tool}; {@code plumbline:digestMatch} says whether what ran
 * still had its package's digest, and is never {@code match} for a package whose database changed
 * during the build ({@code database-changed}, with {@code plumbline:MANAGER:changedDuringBuild} in
 * the metadata): a consumer that trusts {@code match} alone is not misled. Deterministic: the serial
 * number derives from the record and the timestamp is the build's end.
 */
public final class CycloneDxReport {
  static final String ROLE = "plumbline:role";

  private CycloneDxReport() {}

  public static String render(Evidence evidence) throws GeneratorException {
    BuildRecord r = evidence.record();
    Bom bom = new Bom();
    bom.setSerialNumber("urn:uuid:" + UUID.nameUUIDFromBytes(dev.plumbline.record.BuildRecords.toJson(r).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    Metadata metadata = new Metadata();
    // the build's end, not the time of rendering: the same record gives the same BOM
    java.time.Instant finished = r.invocation() == null ? null : BuildRecord.time(r.invocation().finishedAt());
    if (finished != null) {
      metadata.setTimestamp(java.util.Date.from(finished));
    }
    LifecycleChoice build = new LifecycleChoice();
    build.setPhase(LifecycleChoice.Phase.BUILD);
    Lifecycles lifecycles = new Lifecycles();
    lifecycles.setLifecycleChoice(List.of(build));
    metadata.setLifecycles(lifecycles);
    Component agent = new Component();
    agent.setType(Component.Type.APPLICATION);
    agent.setName(r.agent() == null ? "plumbline" : r.agent().name());
    agent.setVersion(r.agent() == null ? null : r.agent().version());
    ToolInformation tools = new ToolInformation();
    tools.setComponents(List.of(agent));
    metadata.setToolChoice(tools);
    List<Property> meta = new ArrayList<>();
    if (r.invocation() != null && r.invocation().argv() != null) {
      meta.add(new Property("plumbline:command", String.join(" ", r.invocation().argv())));
    }
    meta.add(new Property("plumbline:verified", String.valueOf(evidence.verified())));
    meta.add(new Property("plumbline:source", evidence.source()));
    if (r.packages() != null && r.packages().databases() != null) {
      for (BuildRecord.PackageDatabase d : r.packages().databases()) {
        meta.add(new Property("plumbline:" + d.manager() + ":installed", String.valueOf(d.installed())));
        if (d.changedDuringBuild() != null && !d.changedDuringBuild().isEmpty()) {
          // why this database's files say database-changed: what it says is the build's word
          meta.add(new Property("plumbline:" + d.manager() + ":changedDuringBuild", String.join(",", d.changedDuringBuild())));
        }
      }
    }
    metadata.setProperties(meta);
    bom.setMetadata(metadata);

    List<Component> components = new ArrayList<>();
    BuildRecord.Packages p = r.packages();
    if (p != null) {
      for (BuildRecord.UsedPackage u : p.used() == null ? List.<BuildRecord.UsedPackage>of() : p.used()) {
        components.add(packageComponent(p, u));
      }
      for (BuildRecord.PackageFile f : p.unowned() == null ? List.<BuildRecord.PackageFile>of() : p.unowned()) {
        components.add(fileComponent(f, null, "unowned:"));
      }
    } else {
      // no packages section (an older record): the executed files, by digest
      for (BuildRecord.Tool t : r.tools() == null ? List.<BuildRecord.Tool>of() : r.tools()) {
        components.add(fileComponent(new BuildRecord.PackageFile(t.path(), t.sha256(), List.of("exec"), null, null, null), null, "tool:"));
      }
    }
    bom.setComponents(components);
    return BomGeneratorFactory.createJson(Version.VERSION_16, bom).toJsonString();
  }

  private static Component packageComponent(BuildRecord.Packages p, BuildRecord.UsedPackage u) {
    Component c = new Component();
    Set<String> kinds = new LinkedHashSet<>();
    List<Component> files = new ArrayList<>();
    for (BuildRecord.PackageFile f : u.files() == null ? List.<BuildRecord.PackageFile>of() : u.files()) {
      if (f.kinds() != null) {
        kinds.addAll(f.kinds());
      }
      files.add(fileComponent(f, p.digestMatch(u, f), u.purl() + "#"));
    }
    c.setType(kinds.contains("exec") ? Component.Type.APPLICATION : Component.Type.LIBRARY);
    c.setBomRef(u.purl());
    c.setName(u.name());
    c.setVersion(u.version());
    c.setPurl(u.purl());
    List<Property> props = new ArrayList<>();
    props.add(new Property(ROLE, kinds.contains("exec") || kinds.contains("script") ? "build-tool" : "loaded"));
    props.add(new Property("plumbline:packageManager", u.manager()));
    c.setProperties(props);
    c.setComponents(files);
    return c;
  }

  /** {@code digestMatch}: the file's verdict as it may be shown ({@link BuildRecord.Packages#digestMatch}), null for no package's file. */
  private static Component fileComponent(BuildRecord.PackageFile f, String digestMatch, String refPrefix) {
    Component c = new Component();
    c.setType(Component.Type.FILE);
    c.setBomRef(refPrefix + f.path() + (f.sha256() == null ? "" : "@" + f.sha256()));
    c.setName(f.path());
    if (f.sha256() != null) {
      c.setHashes(List.of(new Hash(Hash.Algorithm.SHA_256, f.sha256())));
    }
    List<Property> props = new ArrayList<>();
    List<String> kinds = f.kinds() == null ? List.of() : f.kinds();
    props.add(new Property(ROLE, kinds.contains("exec") || kinds.contains("script") ? "build-tool" : "loaded"));
    if (!kinds.isEmpty()) {
      props.add(new Property("plumbline:kinds", String.join(",", kinds)));
    }
    if (digestMatch != null) {
      props.add(new Property("plumbline:digestMatch", digestMatch));
    }
    if (f.listedPath() != null) {
      props.add(new Property("plumbline:listedPath", f.listedPath()));
    }
    c.setProperties(props);
    return c;
  }
}
