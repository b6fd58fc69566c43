/**
 * The Merkle tree of the event log, as RFC 9162 §2.1 defines it for certificate-transparency logs:
 * leaf hash SHA-256(0x00 ‖ entry), node hash SHA-256(0x01 ‖ left ‖ right), the left subtree the
 * largest power of two. A signed checkpoint carries the root, so a site checks its own entries
 * with their audit paths (§2.1.3) and nobody else's entries.
 *
 * A tree is kept as its frontier: the roots of the perfect subtrees its leaves split into, largest
 * first. A checkpoint's frontier is all that is needed of the leaves before it — the retention
 * purge deletes them, the tree goes on.
 */
import { createHash } from "node:crypto";

const leafPrefix = Buffer.from([0]);
const nodePrefix = Buffer.from([1]);

/** SHA-256(0x00 ‖ entry). */
export const leafHash = (entry: Uint8Array): Buffer => createHash("sha256").update(leafPrefix).update(entry).digest();

/** SHA-256(0x01 ‖ left ‖ right). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => createHash("sha256").update(nodePrefix).update(left).update(right).digest();

/** The frontier of a tree of `size` leaves with one more leaf. */
export const append = (frontier: ReadonlyArray<Buffer>, size: number, leaf: Buffer): Array<Buffer> => {
  const next = [...frontier];
  let node = leaf;
  // Each trailing 1 bit of the size is a perfect subtree the new leaf completes.
  for (let remaining = size; remaining % 2 === 1; remaining = Math.floor(remaining / 2)) node = nodeHash(next.pop() as Buffer, node);
  next.push(node);
  return next;
};

/** The root of the tree of a frontier (SHA-256 of nothing for the empty tree, RFC 9162 §2.1.1). */
export const rootOf = (frontier: ReadonlyArray<Buffer>): Buffer => {
  if (frontier.length === 0) return createHash("sha256").digest();
  let root = frontier[frontier.length - 1] as Buffer;
  for (let index = frontier.length - 2; index >= 0; index--) root = nodeHash(frontier[index] as Buffer, root);
  return root;
};

/** The ranges [start, end) of the frontier's subtrees for a tree of `size` leaves, largest first. */
export const frontierRanges = (size: number): Array<readonly [number, number]> => {
  const ranges: Array<readonly [number, number]> = [];
  let start = 0;
  for (let bit = 2 ** Math.floor(Math.log2(Math.max(size, 1))); bit >= 1; bit /= 2) {
    if (size - start >= bit) {
      ranges.push([start, start + bit]);
      start += bit;
    }
  }
  return ranges;
};

const largestPowerOfTwoBelow = (n: number): number => 2 ** Math.floor(Math.log2(n - 1));

/**
 * A tree of `size` leaves known by the frontier of its first `known` leaves (the purged ones) and
 * the leaf hashes after them: it answers subtree hashes and audit paths of the leaves after `known`.
 */
export const tree = (anchor: { readonly size: number; readonly frontier: ReadonlyArray<Buffer> }, leaves: ReadonlyArray<Buffer>) => {
  const size = anchor.size + leaves.length;
  const memo = new Map<string, Buffer>();
  for (const [index, [start, end]] of frontierRanges(anchor.size).entries()) memo.set(`${start}:${end}`, anchor.frontier[index] as Buffer);
  const subtree = (start: number, end: number): Buffer => {
    const key = `${start}:${end}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    if (end - start === 1) {
      if (start < anchor.size) throw new Error(`leaf ${start} is before the anchor of the tree`);
      return leaves[start - anchor.size] as Buffer;
    }
    const split = start + largestPowerOfTwoBelow(end - start);
    const hash = nodeHash(subtree(start, split), subtree(split, end));
    memo.set(key, hash);
    return hash;
  };
  /** The audit path of leaf `index` (0-based), RFC 9162 §2.1.3.1, nearest sibling first. */
  const auditPath = (index: number): Array<Buffer> => {
    const path: Array<Buffer> = [];
    let start = 0;
    let end = size;
    const siblings: Array<Buffer> = [];
    while (end - start > 1) {
      const split = start + largestPowerOfTwoBelow(end - start);
      if (index < split) {
        siblings.push(subtree(split, end));
        end = split;
      } else {
        siblings.push(subtree(start, split));
        start = split;
      }
    }
    for (let at = siblings.length - 1; at >= 0; at--) path.push(siblings[at] as Buffer);
    return path;
  };
  return { size, root: () => (size === 0 ? rootOf([]) : subtree(0, size)), auditPath };
};
