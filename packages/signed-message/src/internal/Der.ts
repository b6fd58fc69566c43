/**
 * A DER reader for the verifier's hot path: tag-length-value nodes as offsets into the message,
 * nothing decoded until asked, slices instead of copies. (A schema-driven parser costs a few
 * milliseconds a message, more than the signature check.) Anything that is not definite-length
 * DER with one-byte tags is refused.
 */

/** One node: its tag, where its header starts, where its content starts and ends. */
export interface Node {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Thrown on bytes that are not the DER expected; the caller turns it into its own refusal. */
export class DerError extends Error {}

/** The node at `at`, within `limit`. */
export const node = (bytes: Uint8Array, at: number, limit = bytes.length): Node => {
  if (at + 2 > limit) throw new DerError("truncated");
  const tag = bytes[at] as number;
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte tag");
  let length = bytes[at + 1] as number;
  let contentStart = at + 2;
  if (length === 0x80) throw new DerError("indefinite length");
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4 || contentStart + count > limit) throw new DerError("length too long");
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + (bytes[contentStart + index] as number);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError("truncated");
  return { tag, start: at, contentStart, end };
};

/** The whole of `bytes` as one node. */
export const root = (bytes: Uint8Array): Node => {
  const top = node(bytes, 0);
  if (top.end !== bytes.length) throw new DerError("trailing bytes");
  return top;
};

/** The nodes inside a constructed node, in order. */
export const children = (bytes: Uint8Array, parent: Node): ReadonlyArray<Node> => {
  const found: Array<Node> = [];
  for (let at = parent.contentStart; at < parent.end; ) {
    const child = node(bytes, at, parent.end);
    found.push(child);
    at = child.end;
  }
  return found;
};

/** The children of `parent`, which must have tag `tag`. */
export const expect = (bytes: Uint8Array, parent: Node | undefined, tag: number): ReadonlyArray<Node> => {
  if (parent === undefined || parent.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}`);
  return children(bytes, parent);
};

/** The node's encoding, header included (a view, not a copy). */
export const whole = (bytes: Uint8Array, at: Node): Uint8Array => bytes.subarray(at.start, at.end);

/** The node's content (a view). */
export const content = (bytes: Uint8Array, at: Node): Uint8Array => bytes.subarray(at.contentStart, at.end);

/** An OBJECT IDENTIFIER node, dotted. */
export const oid = (bytes: Uint8Array, at: Node | undefined): string => {
  if (at === undefined || at.tag !== 0x06) throw new DerError("expected an object identifier");
  const arcs: Array<number> = [];
  let value = 0;
  for (let index = at.contentStart; index < at.end; index++) {
    const byte = bytes[index] as number;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else arcs.push(value);
      value = 0;
    }
  }
  return arcs.join(".");
};

/** A UTCTime or GeneralizedTime node (Z only, as DER requires). */
export const time = (bytes: Uint8Array, at: Node | undefined): Date => {
  if (at === undefined || (at.tag !== 0x17 && at.tag !== 0x18)) throw new DerError("expected a time");
  const text = new TextDecoder().decode(content(bytes, at));
  const match = at.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match === null) throw new DerError("not a DER time");
  const [, yearText, month, day, hour, minute, second] = match as unknown as [string, string, string, string, string, string, string];
  const year = at.tag === 0x17 ? (Number(yearText) < 50 ? 2000 : 1900) + Number(yearText) : Number(yearText);
  return new Date(Date.UTC(year, Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)));
};

/** Whether two byte ranges are equal. */
export const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;
