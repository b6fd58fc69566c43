// Signs a message as CAdES-BES and verifies it. The key and its self-signed certificate come from
// OpenSSL here; in an agent's software the key is on the card and `sign` is the smart-card port's.
import { Cades } from "@comedec/signed-message";
import { Effect } from "effect";
import { execFileSync } from "node:child_process";
import { createPrivateKey, sign } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "cades-"));
execFileSync(
  "openssl",
  [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-subj",
    "/CN=Alice Roux",
    "-days",
    "1",
    "-keyout",
    join(dir, "key.pem"),
    "-outform",
    "DER",
    "-out",
    join(dir, "cert.der"),
  ],
  { stdio: "ignore" },
);
const privateKey = createPrivateKey(readFileSync(join(dir, "key.pem")));
const certificate = new Uint8Array(readFileSync(join(dir, "cert.der")));

const program = Effect.gen(function* () {
  const message = yield* Cades.sign(new TextEncoder().encode("réponse"), {
    certificate,
    chain: [], // the issuing CA's certificate, when there is one
    signingTime: new Date(),
    sign: (toBeSigned) => Effect.sync(() => new Uint8Array(sign("sha256", toBeSigned, privateKey))), // the card signs
  });
  const { content, signingTime, serial } = yield* Cades.verify(message);
  return `${new TextDecoder().decode(content)} signed at ${signingTime.toISOString()} by certificate ${serial}`;
});
console.log(await Effect.runPromise(program));
