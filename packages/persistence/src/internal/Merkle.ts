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
import { createHash, hash } from "node:crypto";

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

/** SHA-256(0x00 ‖ entry) of an entry given as text (its UTF-8 bytes), in one call: the export hashes every entry of the log. */
export const leafHashOfText = (entry: string): Buffer => hash("sha256", `\u0000${entry}`, "buffer");

const nodeInput = Buffer.alloc(65, 1);

/**
 * A tree of `size` leaves known by the frontier of its first `known` leaves (the purged ones) and
 * the leaf hashes after them, all its levels computed in one pass: it answers the root and the
 * audit path of any leaf after `known` without walking a subtree per leaf.
 *
 * Level k holds the nodes over 2^k leaves; a level of odd length passes its last node up as it is,
 * which is the RFC 9162 tree (the left subtree the largest power of two). Each level is one
 * buffer of 32-byte nodes, from the first node over a leaf after `known` — and, when `known` has
 * the level's bit set, the frontier's subtree just before it, the left sibling such a leaf needs
 * (the other nodes over purged leaves are never on an audit path of a leaf after them).
 */
export const tree = (anchor: { readonly size: number; readonly frontier: ReadonlyArray<Buffer> }, leaves: Buffer) => {
  const known = anchor.size;
  const size = known + leaves.length / 32;
  // The frontier's subtree over 2^k leaves, if `known` has that bit: the frontier lists them largest first.
  const frontierNode = (bit: number): Buffer | undefined => {
    if (Math.floor(known / 2 ** bit) % 2 === 0) return undefined;
    let index = 0;
    for (let above = bit + 1; 2 ** above <= known; above++) if (Math.floor(known / 2 ** above) % 2 === 1) index += 1;
    return anchor.frontier[index];
  };
  const levels: Array<{ readonly first: number; readonly length: number; readonly nodes: Buffer }> = [];
  let length = size;
  let first = known;
  let nodes = leaves;
  const left = frontierNode(0);
  if (left !== undefined) {
    first = known - 1;
    nodes = Buffer.concat([left, leaves]);
  }
  levels.push({ first, length, nodes });
  for (let bit = 1; length > 1; bit++) {
    const below = levels.at(-1) as (typeof levels)[number];
    length = Math.ceil(length / 2);
    const from = Math.floor(known / 2 ** bit);
    const sibling = frontierNode(bit);
    first = sibling === undefined ? from : from - 1;
    nodes = Buffer.allocUnsafe((length - first) * 32);
    if (sibling !== undefined) sibling.copy(nodes, 0);
    for (let index = from; index < length; index++) {
      const at = (index - first) * 32;
      const childAt = (2 * index - below.first) * 32;
      if (2 * index + 1 < below.length) {
        below.nodes.copy(nodeInput, 1, childAt, childAt + 64);
        hash("sha256", nodeInput, "buffer").copy(nodes, at);
      } else below.nodes.copy(nodes, at, childAt, childAt + 32);
    }
    levels.push({ first, length, nodes });
  }
  /** The audit path of leaf `index` (0-based, after `known`), RFC 9162 §2.1.3.1, nearest sibling first: each node given to `take` with its level and index. */
  const walkPath = <A>(index: number, take: (level: number, node: number, hash: Buffer) => A): Array<A> => {
    if (index < known || index >= size) throw new Error(`leaf ${index} is not in the tree after its anchor`);
    const path: Array<A> = [];
    for (let level = 0, node = index; level < levels.length - 1; level++, node = Math.floor(node / 2)) {
      const { first: start, length: count, nodes: hashes } = levels[level] as (typeof levels)[number];
      const sibling = node % 2 === 0 ? node + 1 : node - 1;
      if (sibling < start) throw new Error(`the audit path of leaf ${index} needs a node over purged leaves`);
      if (sibling < count) path.push(take(level, sibling, hashes.subarray((sibling - start) * 32, (sibling - start + 1) * 32)));
    }
    return path;
  };
  const auditPath = (index: number): Array<Buffer> => walkPath(index, (_level, _node, hash) => hash);
  // The hex of the nodes high in the tree, shared by the paths of many leaves (a node of level k by
  // 2^k of them), is made once each; below `cachedFrom` (32 paths a node at most) as it is asked.
  const cachedFrom = 5;
  const hex = levels.map(() => new Map<number, string>());
  /** The same path, each node in hex, as the export writes it. */
  const auditPathHex = (index: number): Array<string> =>
    walkPath(index, (level, node, hash) => {
      if (level < cachedFrom) return hash.toString("hex");
      const cache = hex[level] as Map<number, string>;
      let known = cache.get(node);
      if (known === undefined) {
        known = hash.toString("hex");
        cache.set(node, known);
      }
      return known;
    });
  const root = (): Buffer =>
    size === 0 ? rootOf([]) : leaves.length === 0 ? rootOf(anchor.frontier) : (levels.at(-1) as (typeof levels)[number]).nodes.subarray(0, 32);
  return { size, root, auditPath, auditPathHex };
};
