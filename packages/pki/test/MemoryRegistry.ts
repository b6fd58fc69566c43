/**
 * An in-memory `CertificateRegistry` for the PKI's own tests. The registry is the persistence
 * adapter's job (tested there on PostgreSQL and PGlite); this one behaves the same: the first
 * revocation of a certificate wins (a hold gives way to a revocation), a release lifts a hold
 * only, CRLs are numbered in order.
 */
import { CertificateRegistry, type IssuedCertificate, type PublishedCrl, type RevokedCertificate } from "@comedec/card";
import { Effect, Layer } from "effect";

/** A fresh registry, its certificates and CRLs visible to the test. */
export const memoryRegistry = () => {
  const issued = new Map<string, IssuedCertificate & { revoked?: RevokedCertificate }>();
  const crls: Array<PublishedCrl> = [];
  let number = 0n;
  return {
    issued,
    crls,
    layer: Layer.succeed(
      CertificateRegistry,
      CertificateRegistry.of({
        record: (certificate) => Effect.sync(() => void issued.set(certificate.serial, certificate)),
        revoke: (serials, reason, at) =>
          Effect.sync(() => {
            for (const serial of serials) {
              const found = issued.get(serial);
              if (found === undefined) continue;
              if (found.revoked === undefined) issued.set(serial, { ...found, revoked: { serial, revokedAt: at, reason } });
              // A revocation of a held certificate replaces the hold, and keeps its date.
              else if (found.revoked.reason === "certificateHold" && reason !== "certificateHold") {
                issued.set(serial, { ...found, revoked: { ...found.revoked, reason } });
              }
            }
          }),
        release: (serials) =>
          Effect.sync(() => {
            for (const serial of serials) {
              const found = issued.get(serial);
              if (found?.revoked?.reason !== "certificateHold") continue;
              const { revoked, ...released } = found;
              issued.set(serial, released);
            }
          }),
        find: (serial) => Effect.sync(() => issued.get(serial)),
        revokedAt: (at) =>
          Effect.sync(() =>
            [...issued.values()].flatMap((certificate) => (certificate.revoked !== undefined && certificate.notAfter > at ? [certificate.revoked] : [])),
          ),
        nextCrlNumber: Effect.sync(() => {
          number += 1n;
          return number;
        }),
        saveCrl: (crl) => Effect.sync(() => void crls.push(crl)),
        latestCrl: Effect.sync(() => crls.at(-1)),
        withdrawn: Effect.succeed([]),
      }),
    ),
  };
};
