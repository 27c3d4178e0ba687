package dev.plumbline.sigstore.fake;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/** An RFC 6962 Merkle tree: leaf hash H(0x00||d), node hash H(0x01||l||r), audit paths. */
public final class MerkleTree {
  private final List<byte[]> leaves = new ArrayList<>();

  public synchronized int append(byte[] data) {
    leaves.add(leafHash(data));
    return leaves.size() - 1;
  }

  public synchronized int size() {
    return leaves.size();
  }

  public synchronized byte[] root(int n) {
    return mth(0, n);
  }

  /** The audit path of leaf m in the tree of the first n leaves, leaf level first. */
  public synchronized List<byte[]> path(int m, int n) {
    List<byte[]> out = new ArrayList<>();
    path(m, 0, n, out);
    return out;
  }

  private void path(int m, int lo, int hi, List<byte[]> out) {
    int n = hi - lo;
    if (n <= 1) {
      return;
    }
    int k = Integer.highestOneBit(n - 1);
    if (m < k) {
      path(m, lo, lo + k, out);
      out.add(mth(lo + k, hi));
    } else {
      path(m - k, lo + k, hi, out);
      out.add(mth(lo, lo + k));
    }
  }

  private byte[] mth(int lo, int hi) {
    int n = hi - lo;
    if (n == 0) {
      return sha256(new byte[0]);
    }
    if (n == 1) {
      return leaves.get(lo);
    }
    int k = Integer.highestOneBit(n - 1);
    return nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  }

  public static byte[] leafHash(byte[] data) {
    byte[] b = new byte[data.length + 1];
    System.arraycopy(data, 0, b, 1, data.length);
    return sha256(b);
  }

  static byte[] nodeHash(byte[] l, byte[] r) {
    byte[] b = new byte[1 + l.length + r.length];
    b[0] = 1;
    System.arraycopy(l, 0, b, 1, l.length);
    System.arraycopy(r, 0, b, 1 + l.length, r.length);
    return sha256(b);
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
