/**
 * Hand-written DER for the hot paths (certificates by the thousand, CRLs of 100,000 entries):
 * lengths, TLVs, times, object identifiers, and a reader that finds a structure's parts without
 * building objects for them. `@peculiar/asn1-x509` still builds the rare, rich structures.
 */

/** A DER length. */
export const lengthOf = (length: number): Buffer => {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: Array<number> = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
};

/** A DER TLV. */
export const tlv = (tag: number, ...content: ReadonlyArray<Uint8Array>): Buffer => {
  const body = content.length === 1 ? (content[0] as Uint8Array) : Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthOf(body.length), body]);
};

const twoDigits = (out: Buffer, offset: number, value: number) => {
  out[offset] = 0x30 + Math.floor(value / 10);
  out[offset + 1] = 0x30 + (value % 10);
};

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5), written digit by digit: CRLs hold 100,000 of them. */
export const time = (date: Date): Buffer => {
  const year = date.getUTCFullYear();
  const utc = year < 2050;
  const out = Buffer.allocUnsafe(utc ? 15 : 17);
  out[0] = utc ? 0x17 : 0x18;
  out[1] = utc ? 13 : 15;
  let offset = 2;
  if (!utc) {
    twoDigits(out, offset, Math.floor(year / 100));
    offset += 2;
  }
  for (const value of [year % 100, date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]) {
    twoDigits(out, offset, value);
    offset += 2;
  }
  out[offset] = 0x5a;
  return out;
};

/** The DER of an OBJECT IDENTIFIER. */
export const oid = (dotted: string): Buffer => {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups: Array<number> = [];
    for (let value = arc; ; value = Math.floor(value / 128)) {
      groups.unshift(value % 128);
      if (value < 128) break;
    }
    bytes.push(...groups.map((group, index) => (index < groups.length - 1 ? group | 0x80 : group)));
  }
  return tlv(0x06, Buffer.from(bytes));
};

/** A positive INTEGER from big-endian bytes. */
export const positiveInteger = (bytes: Uint8Array): Buffer => {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const body = Buffer.from(bytes.subarray(start));
  return tlv(0x02, (body[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
};

/** One element read from DER: its tag, where it starts, where its content starts and where it ends. */
export interface Element {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads the element at `offset`; throws on truncated input. */
export const read = (der: Uint8Array, offset: number): Element => {
  const tag = der[offset];
  const first = der[offset + 1];
  if (tag === undefined || first === undefined) throw new Error("truncated DER");
  let length = first;
  let contentStart = offset + 2;
  if (first >= 0x80) {
    const octets = first & 0x7f;
    if (octets === 0 || octets > 4) throw new Error("unsupported DER length");
    length = 0;
    for (let index = 0; index < octets; index++) length = length * 256 + (der[offset + 2 + index] as number);
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error("truncated DER");
  return { tag, start: offset, contentStart, end };
};

/** The children of a constructed element. */
export const children = (der: Uint8Array, parent: Element): ReadonlyArray<Element> => {
  const found: Array<Element> = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = read(der, offset);
    found.push(child);
    offset = child.end;
  }
  return found;
};
