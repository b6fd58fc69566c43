/**
 * One core's share of the PKI figures: issues certificates from a CSR with the PKI package (or,
 * for the raw baseline, only signs with the issuing key) for a number of seconds, and reports
 * how many. Started by `Pki.ts` once per core.
 */
import { CertificateRegistry } from "@comedec/card";
import { Authority, Csr } from "@comedec/pki";
import { Effect, Layer } from "effect";
import { generateKeyPairSync, sign } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";

const { kind, seconds } = workerData as { kind: "issue" | "sign"; seconds: number };

// The register is the database's job; these figures measure the PKI package alone.
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
const hierarchy = Authority.createHierarchy(new Date());
const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
const subject = {
  holder: "0b7c4f1e-0000-4000-8000-000000000001",
  givenName: "Élodie",
  surname: "Martin",
  site: { _tag: "commune", commune: "69123" } as never,
  card: "card-1",
};
const csr = await Effect.runPromise(
  Csr.create(Authority.subjectName(subject, "authentication"), new Uint8Array(key.publicKey.export({ format: "der", type: "spki" })), (data) =>
    Effect.succeed(new Uint8Array(sign("sha256", data, key.privateKey))),
  ),
);
const { issueFromCsr } = await Effect.runPromise(Effect.provide(Authority.make(hierarchy, "https://comedec.example/pki"), registry));
const issue = Effect.provide(issueFromCsr(csr, subject, "authentication"), registry);
// A to-be-signed certificate of the usual size, for the raw baseline.
const tbs = Buffer.alloc(650, 7);

const until = performance.now() + seconds * 1000;
let count = 0;
while (performance.now() < until) {
  for (let batch = 0; batch < 50; batch++) {
    if (kind === "issue") Effect.runSync(issue);
    else hierarchy.issuing.key.sign(tbs);
  }
  count += 50;
}
parentPort?.postMessage(count);
