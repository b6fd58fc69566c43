/**
 * The export's tree, all its levels made in one pass, against RFC 9162 §2.1 written as the RFC
 * writes it (MTH and PATH, recursive): the same root and the same audit path for every leaf, from
 * the first leaf or from a purged prefix known only by its frontier; and each path verifies.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as Merkle from "../src/internal/Merkle.js";
import { canonicalContent, canonicalJson, type EventContent } from "../src/internal/EventLog.js";

const sha256 = (...parts: ReadonlyArray<Uint8Array>) => parts.reduce((hash, part) => hash.update(part), createHash("sha256")).digest();
const split = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
/** MTH(D[n]). */
const mth = (leaves: ReadonlyArray<Buffer>): Buffer =>
  leaves.length === 1 ? (leaves[0] as Buffer) : sha256(Buffer.from([1]), mth(leaves.slice(0, split(leaves.length))), mth(leaves.slice(split(leaves.length))));
/** PATH(m, D[n]). */
const path = (m: number, leaves: ReadonlyArray<Buffer>): Array<Buffer> => {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
};
/** RFC 9162 §2.1.3.2: the root an audit path leads to. */
const rootFrom = (index: number, size: number, leaf: Buffer, auditPath: ReadonlyArray<Buffer>): Buffer | undefined => {
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of auditPath) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn / 2, Math.floor(sn / 2)];
    } else r = sha256(Buffer.from([1]), r, p);
    [fn, sn] = [Math.floor(fn / 2), Math.floor(sn / 2)];
  }
  return sn === 0 ? r : undefined;
};

describe("the export's Merkle tree", () => {
  it("gives the root and every audit path RFC 9162 gives, from the first leaf or after a purged prefix", () => {
    for (let size = 1; size <= 70; size++) {
      const leaves = Array.from({ length: size }, (_, index) => Merkle.leafHash(Buffer.from(`entry ${index}`)));
      const root = mth(leaves);
      for (const known of new Set([0, 1, 2, 3, Math.floor(size / 2), size - 1, size].filter((value) => value >= 0 && value <= size))) {
        // The purged leaves are known only by the frontier of the first `known`.
        let frontier: Array<Buffer> = [];
        for (let index = 0; index < known; index++) frontier = Merkle.append(frontier, index, leaves[index] as Buffer);
        const tree = Merkle.tree({ size: known, frontier }, Buffer.concat(leaves.slice(known)));
        expect(tree.size).toBe(size);
        expect(tree.root().equals(root), `root of ${size} leaves after ${known}`).toBe(true);
        for (let index = known; index < size; index++) {
          const expected = path(index, leaves);
          expect(
            tree.auditPath(index).map((node) => node.toString("hex")),
            `path of ${index} in ${size} after ${known}`,
          ).toEqual(expected.map((node) => node.toString("hex")));
          expect(tree.auditPathHex(index)).toEqual(expected.map((node) => node.toString("hex")));
          expect(rootFrom(index, size, leaves[index] as Buffer, tree.auditPath(index))?.equals(root)).toBe(true);
        }
        if (known > 0) expect(() => tree.auditPath(known - 1)).toThrow();
      }
    }
  });

  it("answers the paths of a tree with levels high enough for their hex to be kept (64 leaves and more)", () => {
    const leaves = Array.from({ length: 1_000 }, (_, index) => Merkle.leafHash(Buffer.from(`entry ${index}`)));
    const tree = Merkle.tree({ size: 0, frontier: [] }, Buffer.concat(leaves));
    for (const index of [0, 1, 511, 512, 997, 998, 999]) {
      const expected = path(index, leaves).map((node) => node.toString("hex"));
      // Asked twice: the second answer from the kept hex.
      expect(tree.auditPathHex(index)).toEqual(expected);
      expect(tree.auditPathHex(index)).toEqual(expected);
    }
  });

  it("hashes a leaf given as text as SHA-256(0x00 ‖ its UTF-8 bytes), and writes the leaf input as the canonical JSON", () => {
    for (const text of ["", "é", '{"a":"\u0000"}', "😀 emoji"]) expect(Merkle.leafHashOfText(text).equals(Merkle.leafHash(Buffer.from(text)))).toBe(true);
    const contents: Array<EventContent> = [
      {
        stream: "s",
        streamVersion: 1,
        type: "T",
        payload: { b: [1, { d: null, c: 'é"' }], a: 2 },
        actorId: "a",
        actorRole: "r",
        site: "national",
        recordedAt: "2026-01-01T00:00:00.000Z",
      },
      {
        stream: 'q"uote',
        streamVersion: 12,
        type: "T\n",
        payload: null,
        actorId: "",
        actorRole: "x",
        site: "commune:69123",
        recordedAt: "2026-01-01T00:00:00.001Z",
      },
    ];
    for (const content of contents) expect(canonicalContent(content)).toBe(canonicalJson(content));
  });
});
