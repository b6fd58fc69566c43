import { CertificateRegistry } from "@comedec/card";
import { Authority, Der } from "@comedec/pki";
import { Effect, Layer } from "effect";
import { generateKeyPairSync, sign } from "node:crypto";

const hierarchy = Authority.createHierarchy(new Date());
const registry = Layer.succeed(
  CertificateRegistry,
  CertificateRegistry.of({
    record: () => Effect.void,
    revoke: () => Effect.void,
    find: () => Effect.succeed(undefined),
    revokedAt: () => Effect.succeed([]),
    nextCrlNumber: Effect.succeed(1n),
    saveCrl: () => Effect.void,
    latestCrl: Effect.succeed(undefined),
    withdrawn: Effect.succeed([]),
  }),
);
const key = generateKeyPairSync("ec", { namedCurve: "P-256" }); // on a real card, generated on the card
const issued = await Effect.runPromise(
  Effect.flatMap(Authority.make(hierarchy, "https://comedec.example/pki"), ({ authority }) =>
    authority.issueForCard({
      subject: { holder: "agent-1", givenName: "Alice", surname: "Roux", site: { _tag: "commune", commune: "69266" as never }, card: "card-1" },
      usage: "signature",
      algorithm: "P-256",
      publicKey: new Uint8Array(key.publicKey.export({ format: "der", type: "spki" })),
      signWithCardKey: (data) => Effect.sync(() => new Uint8Array(sign("sha256", data, key.privateKey))),
    }),
  ).pipe(Effect.provide(registry)),
);
console.log(Der.pem("CERTIFICATE", issued.der));
