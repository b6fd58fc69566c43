/**
 * Issue 5's figures: certificates issued per second by the PKI package on every core, against
 * raw ECDSA signing with the same key on every core; a CRL of 400,000 entries, against `openssl
 * ca -gencrl` on the same entries; PKCS#11 signatures through the driver, against a raw pkcs11js
 * loop on the same SoftHSM2 token (when SoftHSM2 is installed).
 */
import { CardManufacturer, SmartCards } from "@comedec/card";
import { Authority, Crl } from "@comedec/pki";
import { Pkcs11 } from "@comedec/smartcard-pkcs11";
import { Effect, ManagedRuntime } from "effect";
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import pkcs11js from "pkcs11js";
import type { Figure } from "./Report.js";

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const onEveryCore = async (kind: "issue" | "sign", seconds: number) => {
  const counts = await Promise.all(
    cpus().map(
      () =>
        new Promise<number>((resolve, reject) => {
          const worker = new Worker(new URL("./PkiWorker.js", import.meta.url), { workerData: { kind, seconds } });
          worker.once("message", resolve);
          worker.once("error", reject);
        }),
    ),
  );
  return counts.reduce((sum, count) => sum + count, 0) / seconds;
};

/** Certificates issued per second from CSRs (proof of possession checked), on every core. */
export const issuanceFigure = async (seconds: number): Promise<Figure> => {
  const raw = await onEveryCore("sign", seconds);
  const platform = await onEveryCore("issue", seconds);
  return {
    name: `certificates issued from CSRs by the PKI package, ${cpus().length} worker threads (CSR parsed and verified, RGS checks, certificate built and signed)`,
    unit: "cert/s",
    platform,
    raw,
    rawName: "raw ECDSA P-256 signatures of a certificate-sized buffer, same threads",
    goal: { value: 5000, better: "higher" },
  };
};

/**
 * A CRL at national scale (median of 3): by default 400,000 entries, both certificates of each of
 * 200,000 cards revoked (BENCH_CRL_ENTRIES to change), against `openssl ca -gencrl` listing the
 * same entries.
 */
export const crlFigure = (entries = Number(process.env.BENCH_CRL_ENTRIES ?? 400_000)): Figure => {
  const hierarchy = Authority.createHierarchy(new Date());
  const now = new Date();
  const revoked = Array.from({ length: entries }, (_, index) => ({
    serial: randomBytes(16).toString("hex").replace(/^./, "1"),
    revokedAt: new Date(now.getTime() - (index % 86_400) * 1000),
    reason: index % 3 === 0 ? ("unspecified" as const) : ("superseded" as const),
  }));
  const platform = median(
    [0, 1, 2].map(() => {
      const started = performance.now();
      Crl.build(hierarchy.issuing, { number: 1n, thisUpdate: now, nextUpdate: new Date(now.getTime() + 86_400_000), revoked });
      return (performance.now() - started) / 1000;
    }),
  );
  // OpenSSL's own CA database: one line per revoked certificate, then `openssl ca -gencrl`.
  const directory = mkdtempSync(join(tmpdir(), "bench-openssl-ca-"));
  const utc = (date: Date) => `${date.toISOString().slice(2, 19).replace(/[-:T]/g, "")}Z`;
  const expiry = utc(new Date(now.getTime() + 365 * 86_400_000));
  writeFileSync(
    join(directory, "index.txt"),
    revoked
      .map(
        (entry) =>
          `R\t${expiry}\t${utc(entry.revokedAt)}${entry.reason === "superseded" ? ",superseded" : ""}\t${entry.serial.toUpperCase()}\tunknown\t/CN=agent\n`,
      )
      .join(""),
  );
  writeFileSync(join(directory, "crlnumber"), "01\n");
  // The CA's key stays behind its signing-key port (it may be on a token): OpenSSL signs with a
  // P-256 CA of its own, the same work for the same entries.
  execFileSync("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", join(directory, "key.pem")]);
  execFileSync("openssl", [
    "req",
    "-new",
    "-x509",
    "-key",
    join(directory, "key.pem"),
    "-subj",
    "/CN=bench CA",
    "-days",
    "2",
    "-out",
    join(directory, "ca.pem"),
  ]);
  writeFileSync(
    join(directory, "openssl.cnf"),
    `[ca]\ndefault_ca = agents\n[agents]\ndatabase = ${directory}/index.txt\ncrlnumber = ${directory}/crlnumber\ndefault_md = sha256\ndefault_crl_days = 1\nunique_subject = no\n`,
  );
  const raw = median(
    [0, 1, 2].map(() => {
      const started = performance.now();
      execFileSync(
        "openssl",
        [
          "ca",
          "-gencrl",
          "-batch",
          "-config",
          join(directory, "openssl.cnf"),
          "-keyfile",
          join(directory, "key.pem"),
          "-cert",
          join(directory, "ca.pem"),
          "-out",
          join(directory, "crl.pem"),
        ],
        { stdio: "ignore" },
      );
      return (performance.now() - started) / 1000;
    }),
  );
  return {
    name: `CRL of ${entries.toLocaleString("en-US")} entries built and signed (both certificates of ${(entries / 2).toLocaleString("en-US")} cards; median of 3)`,
    unit: "s",
    platform,
    raw,
    rawName: "`openssl ca -gencrl` on the same entries (process included)",
    goal: { value: 0.5, better: "lower" },
  };
};

/** ECDSA signatures through the PKCS#11 driver, against a raw pkcs11js loop on the same token. */
export const pkcs11Figure = async (seconds: number): Promise<Figure | undefined> => {
  const library = process.env.SOFTHSM2_LIB ?? "/usr/lib/softhsm/libsofthsm2.so";
  if (!existsSync(library)) return undefined;
  const directory = mkdtempSync(join(tmpdir(), "bench-softhsm-"));
  mkdirSync(join(directory, "tokens"));
  writeFileSync(join(directory, "softhsm2.conf"), `directories.tokendir = ${join(directory, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  process.env.SOFTHSM2_CONF = join(directory, "softhsm2.conf");
  const runtime = ManagedRuntime.make(Pkcs11.layer({ library }));
  try {
    const pin = "482915";
    const data = new TextEncoder().encode("défi de connexion à signer");
    const serial = await runtime.runPromise(
      Effect.gen(function* () {
        const cards = yield* SmartCards;
        const { serial } = yield* CardManufacturer.use((manufacturer) => manufacturer.manufacture({ card: "bench-card", puk: "8123456701", label: "bench" }));
        yield* cards.unblock(serial, "8123456701", pin);
        yield* cards.login(serial, pin);
        yield* cards.generateKeyPair(serial, "authentication", "P-256");
        return serial;
      }),
    );
    const driverLoop = await runtime.runPromise(
      Effect.gen(function* () {
        const cards = yield* SmartCards;
        const until = performance.now() + seconds * 1000;
        let count = 0;
        while (performance.now() < until) {
          yield* cards.sign(serial, "authentication", data);
          count += 1;
        }
        return count / seconds;
      }),
    );
    // The same token through pkcs11js alone: one session, the key found once, each datum hashed then signed.
    const module = new pkcs11js.PKCS11();
    module.load(library);
    try {
      module.C_Initialize();
    } catch {
      // Already initialised in this process by the driver: the module is shared.
    }
    const slot = module.C_GetSlotList(true).find((candidate) => module.C_GetTokenInfo(candidate).serialNumber.trim() === serial) as Buffer;
    const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    module.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
    const key = module.C_FindObjects(session) as Buffer;
    module.C_FindObjectsFinal(session);
    const output = Buffer.alloc(132);
    const until = performance.now() + seconds * 1000;
    let count = 0;
    while (performance.now() < until) {
      // SoftHSM has no CKM_ECDSA_SHA256: signing data is hashing it, then CKM_ECDSA.
      module.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, key);
      module.C_Sign(session, createHash("sha256").update(data).digest(), output);
      count += 1;
    }
    module.C_CloseSession(session);
    return {
      name: "P-256 signatures with a card's authentication key through the PKCS#11 driver (SoftHSM2, one session; goal: 80% of the raw loop)",
      unit: "sig/s",
      platform: driverLoop,
      raw: count / seconds,
      rawName: "raw pkcs11js loop on the same token (SHA-256, C_SignInit, C_Sign)",
      goal: { value: 0.8 * (count / seconds), better: "higher" },
      note: "goal: 80% of the raw loop",
    };
  } finally {
    await runtime.dispose();
  }
};
