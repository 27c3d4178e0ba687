package dev.plumbline.archfixture.upward.high;

/** The higher layer of the upward-import fixture (see Low). */
public final class High {}
