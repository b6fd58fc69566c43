/**
 * Revocation as tools nobody here wrote see it: OpenSSL verifies certificates against our CRLs
 * (`openssl verify -crl_check`) and reads our OCSP answers (`openssl ocsp`).
 */
import type { Subject } from "@comedec/card";
import { Effect } from "effect";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import * as X509 from "@peculiar/asn1-x509";
import { describe, expect, it } from "vitest";
import { Authority, Crl, Der } from "../src/index.js";
import { memoryRegistry } from "./MemoryRegistry.js";

const directory = mkdtempSync(join(tmpdir(), "revocation-"));
const file = (name: string) => join(directory, name);
const hierarchy = Authority.createHierarchy(new Date());
writeFileSync(file("root.pem"), Der.pem("CERTIFICATE", hierarchy.root.certificate));
writeFileSync(file("issuing.pem"), Der.pem("CERTIFICATE", hierarchy.issuing.certificate));

/** What OpenSSL printed on both streams (it reports "verify OK" on stderr), whatever its exit code. */
const openssl = (args: ReadonlyArray<string>) => {
  const run = spawnSync("openssl", args, { encoding: "utf8" });
  return `${run.stdout}${run.stderr}`;
};

const subject: Subject = { holder: "agent-1", givenName: "Inès", surname: "Garnier", site: { _tag: "commune", commune: "69266" as never }, card: "card-9" };

describe("Revocation", () => {
  it("publishes numbered CRLs that OpenSSL checks, and a revoked certificate fails once the next CRL is out", async () => {
    const registry = memoryRegistry();
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const scenario = Effect.gen(function* () {
      const { authority, revocation } = yield* Authority.make(hierarchy, "http://pki.test");
      const issued = yield* authority.issueForCard({
        subject,
        usage: "authentication",
        algorithm: "P-256",
        publicKey: new Uint8Array(key.publicKey.export({ format: "der", type: "spki" })),
        signWithCardKey: (data) => Effect.sync(() => new Uint8Array(sign("sha256", data, key.privateKey))),
      });
      const before = yield* revocation.currentCrl;
      // Within the refresh period, the same CRL is served again.
      const again = yield* revocation.currentCrl;
      yield* authority.revoke([issued.ref.serial], "keyCompromise", new Date());
      const after = yield* revocation.currentCrl;
      return { issued, before, again, after };
    }).pipe(Effect.provide(registry.layer));
    const { issued, before, again, after } = await Effect.runPromise(scenario);
    expect([before.number, again.number, after.number]).toEqual([1n, 1n, 2n]);
    expect([before.entries, after.entries]).toEqual([0, 1]);
    writeFileSync(file("card.pem"), Der.pem("CERTIFICATE", issued.der));
    writeFileSync(file("crl-1.pem"), Der.pem("X509 CRL", before.der));
    writeFileSync(file("crl-2.pem"), Der.pem("X509 CRL", after.der));
    const verify = (crl: string) =>
      openssl(["verify", "-crl_check", "-CRLfile", file(crl), "-CAfile", file("root.pem"), "-untrusted", file("issuing.pem"), file("card.pem")]);
    expect(verify("crl-1.pem")).toContain("card.pem: OK");
    const refused = verify("crl-2.pem");
    expect(refused).toContain("certificate revoked");
    const text = openssl(["crl", "-in", file("crl-2.pem"), "-noout", "-text"]);
    expect(text).toContain("X509v3 CRL Number: \n                2");
    expect(text).toContain(`Serial Number: ${issued.ref.serial.toUpperCase()}`);
    expect(text).toContain("Key Compromise");
    expect(openssl(["crl", "-in", file("crl-2.pem"), "-noout", "-CAfile", file("issuing.pem")])).toContain("verify OK");
  });

  it("writes a CRL of many entries that OpenSSL parses, leaving unspecified reasons out", () => {
    const at = new Date("2026-11-20T10:00:00Z");
    const revoked = Array.from({ length: 2_000 }, (_, index) => ({
      serial: (index === 0 ? "80" : "") + randomBytes(16).toString("hex"),
      revokedAt: at,
      reason: index % 2 === 0 ? ("superseded" as const) : ("unspecified" as const),
    }));
    const der = Crl.build(hierarchy.issuing, { number: 7n, thisUpdate: at, nextUpdate: new Date(at.getTime() + 86_400_000), revoked });
    writeFileSync(file("big.pem"), Der.pem("X509 CRL", der));
    const text = openssl(["crl", "-in", file("big.pem"), "-noout", "-text", "-CAfile", file("issuing.pem")]);
    expect(text).toContain("verify OK");
    expect(text.match(/Serial Number:/g)).toHaveLength(2_000);
    expect(text.match(/Superseded/g)).toHaveLength(1_000);
    // A serial whose first bit is set gets a leading zero octet, so it stays positive.
    expect(text).toContain(`Serial Number: 80${(revoked[0] as { serial: string }).serial.slice(2, 6).toUpperCase()}`);
  });

  it("writes each entry of a CRL byte for byte as the ASN.1 library encodes it, and OpenSSL lists each with its date and reason", () => {
    const at = new Date("2026-11-20T10:00:00.750Z");
    const reasons = [
      "unspecified",
      "keyCompromise",
      "affiliationChanged",
      "superseded",
      "cessationOfOperation",
      "certificateHold",
      "privilegeWithdrawn",
    ] as const;
    // The edges of the hand-written encoder: leading zero octets, a first bit set, capitals, 20 octets, a single octet, GeneralizedTime after 2049.
    const serials = [
      "0000ab12",
      "00ff01",
      `80${"11".repeat(15)}`,
      `7F${"AB".repeat(19)}`,
      "00",
      "05",
      ...Array.from({ length: 300 }, () => randomBytes(16).toString("hex")),
    ];
    const revoked = serials.map((serial, index) => ({
      serial,
      revokedAt: index === 3 ? new Date("2051-02-03T04:05:06Z") : new Date(at.getTime() - (index % 17) * 61_250),
      reason: reasons[index % reasons.length] as (typeof reasons)[number],
    }));
    const der = Crl.build(hierarchy.issuing, { number: 9n, thisUpdate: at, nextUpdate: new Date(at.getTime() + 86_400_000), revoked });
    const parsed = AsnConvert.parse(der, X509.CertificateList);
    const reasonCode = (reason: string) =>
      ({ keyCompromise: 1, affiliationChanged: 3, superseded: 4, cessationOfOperation: 5, certificateHold: 6, privilegeWithdrawn: 9 })[reason];
    const expected = new X509.TBSCertList({
      ...parsed.tbsCertList,
      revokedCertificates: revoked.map((entry) => {
        const bytes = Buffer.from(entry.serial.replace(/^(00)+(?=..)/, ""), "hex");
        const code = reasonCode(entry.reason);
        return new X509.RevokedCertificate({
          userCertificate: new Uint8Array(bytes[0] !== undefined && bytes[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes).buffer,
          revocationDate: new X509.Time(entry.revokedAt),
          ...(code === undefined
            ? {}
            : {
                crlEntryExtensions: [
                  new X509.Extension({ extnID: X509.id_ce_cRLReasons, extnValue: new OctetString(AsnConvert.serialize(new X509.CRLReason(code))) }),
                ],
              }),
        });
      }),
    });
    expect(Buffer.from(AsnConvert.serialize(parsed.tbsCertList)).equals(Buffer.from(AsnConvert.serialize(expected)))).toBe(true);
    writeFileSync(file("edges.der"), der);
    const text = openssl(["crl", "-inform", "DER", "-in", file("edges.der"), "-noout", "-text", "-CAfile", file("issuing.pem")]);
    expect(text).toContain("verify OK");
    const listed = [
      ...text.matchAll(/Serial Number: ([0-9A-F]+)\n\s+Revocation Date: ([^\n]+)(?:\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code: ?\n\s+([^\n]+))?/g),
    ].map((match) => [match[1], match[2], match[3] ?? ""]);
    const openSslDate = (date: Date) => {
      const [, day, month, year, clock] = date.toUTCString().split(" ");
      return `${month} ${String(Number(day)).padStart(2, " ")} ${clock} ${year} GMT`;
    };
    const openSslReason: Record<string, string> = {
      unspecified: "",
      keyCompromise: "Key Compromise",
      affiliationChanged: "Affiliation Changed",
      superseded: "Superseded",
      cessationOfOperation: "Cessation Of Operation",
      certificateHold: "Certificate Hold",
      privilegeWithdrawn: "Privilege Withdrawn",
    };
    expect(listed).toEqual(
      revoked.map((entry) => {
        // OpenSSL prints the INTEGER's value: without the zero octet that keeps it positive.
        return [entry.serial.replace(/^(00)+(?=..)/, "").toUpperCase(), openSslDate(entry.revokedAt), openSslReason[entry.reason]];
      }),
    );
  });

  it("answers OCSP requests from `openssl ocsp`: good, then revoked with its reason, unknown for a stranger, malformed for garbage", async () => {
    const registry = memoryRegistry();
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const { authority, revocation } = await Effect.runPromise(Effect.provide(Authority.make(hierarchy, "http://pki.test"), registry.layer));
    const issue = (pair: typeof key, card: string) =>
      Effect.runPromise(
        authority.issueForCard({
          subject: { ...subject, card },
          usage: "signature",
          algorithm: "P-256",
          publicKey: new Uint8Array(pair.publicKey.export({ format: "der", type: "spki" })),
          signWithCardKey: (data) => Effect.sync(() => new Uint8Array(sign("sha256", data, pair.privateKey))),
        }),
      );
    writeFileSync(file("signature.pem"), Der.pem("CERTIFICATE", (await issue(key, "card-1")).der));
    const strangerCertificate = await issue(stranger, "card-2");
    registry.issued.delete(strangerCertificate.ref.serial);
    writeFileSync(file("stranger.pem"), Der.pem("CERTIFICATE", strangerCertificate.der));

    const ask = async (certificate: string) => {
      openssl(["ocsp", "-issuer", file("issuing.pem"), "-cert", file(certificate), "-reqout", file("request.der")]);
      const response = await Effect.runPromise(revocation.ocsp(new Uint8Array(readFileSync(file("request.der")))));
      writeFileSync(file("response.der"), response);
      // The request's nonce is echoed; the check below builds its own request, so it skips nonces.
      const nonceOf = (text: string) => /OCSP Nonce: \s*([0-9A-F]+)/.exec(text)?.[1];
      const requestNonce = nonceOf(openssl(["ocsp", "-reqin", file("request.der"), "-req_text"]));
      expect(requestNonce).toMatch(/^0410/);
      expect(nonceOf(openssl(["ocsp", "-respin", file("response.der"), "-resp_text", "-noverify"]))).toBe(requestNonce);
      return openssl([
        "ocsp",
        "-respin",
        file("response.der"),
        "-no_nonce",
        "-issuer",
        file("issuing.pem"),
        "-cert",
        file(certificate),
        "-CAfile",
        file("root.pem"),
        "-verify_other",
        file("issuing.pem"),
      ]);
    };
    const good = await ask("signature.pem");
    expect(good).toContain("Response verify OK");
    expect(good).toContain("signature.pem: good");
    await Effect.runPromise(authority.revoke([...registry.issued.keys()], "superseded", new Date()));
    const revoked = await ask("signature.pem");
    expect(revoked).toContain("signature.pem: revoked");
    expect(revoked).toContain("Reason: superseded");
    expect(await ask("stranger.pem")).toContain("stranger.pem: unknown");
    const malformed = await Effect.runPromise(revocation.ocsp(new Uint8Array([1, 2, 3])));
    writeFileSync(file("malformed.der"), malformed);
    expect(openssl(["ocsp", "-respin", file("malformed.der"), "-resp_text", "-noverify"])).toContain("malformedrequest");
  });

  it("puts a certificate on hold (Certificate Hold on the CRL, then gone from the next one once released) and makes a hold final on revocation", async () => {
    const registry = memoryRegistry();
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const { authority, revocation } = await Effect.runPromise(Effect.provide(Authority.make(hierarchy, "http://pki.test"), registry.layer));
    const issued = await Effect.runPromise(
      authority.issueForCard({
        subject: { ...subject, card: "card-hold" },
        usage: "authentication",
        algorithm: "P-256",
        publicKey: new Uint8Array(key.publicKey.export({ format: "der", type: "spki" })),
        signWithCardKey: (data) => Effect.sync(() => new Uint8Array(sign("sha256", data, key.privateKey))),
      }),
    );
    writeFileSync(file("held.pem"), Der.pem("CERTIFICATE", issued.der));
    const crlText = async (name: string) => {
      const crl = await Effect.runPromise(revocation.currentCrl);
      writeFileSync(file(name), Der.pem("X509 CRL", crl.der));
      return openssl(["crl", "-in", file(name), "-noout", "-text"]);
    };
    const verify = (crl: string) =>
      openssl(["verify", "-crl_check", "-CRLfile", file(crl), "-CAfile", file("root.pem"), "-untrusted", file("issuing.pem"), file("held.pem")]);
    const heldAt = new Date();
    await Effect.runPromise(authority.revoke([issued.ref.serial], "certificateHold", heldAt));
    const held = await crlText("held-crl.pem");
    expect(held).toContain(`Serial Number: ${issued.ref.serial.toUpperCase()}`);
    expect(held).toContain("Certificate Hold");
    expect(verify("held-crl.pem")).toContain("certificate revoked");
    // A second hold changes nothing; the release lifts it and the CRL published with it lists nothing.
    await Effect.runPromise(authority.revoke([issued.ref.serial], "certificateHold", new Date(heldAt.getTime() + 1000)));
    expect(registry.issued.get(issued.ref.serial)?.revoked?.revokedAt).toEqual(heldAt);
    await Effect.runPromise(authority.release([issued.ref.serial], new Date()));
    const latest = registry.crls.at(-1);
    writeFileSync(file("released.pem"), Der.pem("X509 CRL", (latest as { der: Uint8Array }).der));
    const releasedText = openssl(["crl", "-in", file("released.pem"), "-noout", "-text"]);
    expect(releasedText).toContain("No Revoked Certificates");
    expect(verify("released.pem")).toContain("held.pem: OK");
    // Held again, then revoked for good: the reason becomes the revocation's, the date stays the hold's.
    await Effect.runPromise(authority.revoke([issued.ref.serial], "certificateHold", heldAt));
    await Effect.runPromise(authority.revoke([issued.ref.serial], "cessationOfOperation", new Date(heldAt.getTime() + 60_000)));
    expect(registry.issued.get(issued.ref.serial)?.revoked).toMatchObject({ reason: "cessationOfOperation", revokedAt: heldAt });
    await Effect.runPromise(authority.release([issued.ref.serial], new Date()));
    writeFileSync(file("final.pem"), Der.pem("X509 CRL", (registry.crls.at(-1) as { der: Uint8Array }).der));
    expect(openssl(["crl", "-in", file("final.pem"), "-noout", "-text"])).toContain("Cessation Of Operation");
  });
});
