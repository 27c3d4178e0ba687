package dev.plumbline.packages;

/**
 * A file as a package database lists it: {@code listedPath} is the path the database names
 * (which may differ from the path asked for across a /usr merge or a dpkg diversion), {@code digest}
 * the content digest the database holds for it, or null when it holds none (dpkg has none for
 * symlinks and conffiles, rpm none for directories and symlinks).
 */
public record OwnedFile(String listedPath, InstalledPackage pkg, FileDigest digest) {}
