/**
 * The agents' certification authority: a root CA and an issuing CA whose keys sign through the
 * signing-key port — software keys sealed at rest under the custodians' passphrase (the embedded
 * mode), or key pairs generated on a PKCS#11 token through the smart-card driver (production,
 * ADR 0014) — and the
 * `CertificateAuthority` port the card platform calls to certify the keys generated on a card.
 * Every certificate comes from a CSR the card itself signed, checked against RGS annex B1, with
 * the subject taken from the directory and the profile of its usage.
 */
import { Rules } from "@comedec/rgs";
import { Agent } from "@comedec/agent";
import {
  type Card,
  type CardFailure,
  CertificateAuthority,
  CertificateRefused,
  CertificateRegistry,
  type IssuedCertificate,
  type KeyAlgorithm,
  type PublishedCrl,
  type RevokedCertificate,
  type Subject,
  DeviceFailure,
  KeyTokens,
} from "@comedec/card";
import { Certificate, type Name } from "@peculiar/asn1-x509";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Clock, Context, Effect, Layer } from "effect";
import { generateKeyPairSync, hash, type KeyObject, randomBytes, X509Certificate } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as Crl from "./Crl.js";
import * as Csr from "./Csr.js";
import * as Encoding from "./Encoding.js";
import * as Issuance from "./Issuance.js";
import * as Ocsp from "./Ocsp.js";
import * as Der from "./Der.js";
import { forUsage, type Profile, profiles } from "./Profiles.js";
import * as Sealed from "./Sealed.js";
import * as SigningKey from "./SigningKey.js";

/** One CA: its key, certificate and name. */
export interface CaKey {
  /** The CA's key, in this process or on a token. */
  readonly key: SigningKey.SigningKey;
  readonly certificate: Uint8Array;
  readonly name: Name;
  readonly keyIdentifier: ArrayBuffer;
  readonly notAfter: Date;
}

/** The two-level hierarchy. */
export interface Hierarchy {
  readonly root: CaKey;
  readonly issuing: CaKey;
}

/** The CA certificates, for downloads and for verifiers. */
export class CaCertificates extends Context.Service<
  CaCertificates,
  { readonly root: Uint8Array; readonly issuing: Uint8Array; readonly hierarchy: Hierarchy }
>()("@comedec/pki/CaCertificates") {}

/** Revocation as relying parties see it: CRLs and OCSP. */
export class Revocation extends Context.Service<
  Revocation,
  {
    /** Publishes a new CRL now (numbered, valid 24 hours). */
    readonly publishCrl: Effect.Effect<PublishedCrl>;
    /**
     * The latest CRL; a new one is published first when none is younger than `crlRefreshHours`, or
     * when the register revoked a certificate after the latest was numbered.
     */
    readonly currentCrl: Effect.Effect<PublishedCrl>;
    /** Answers a DER OCSP request with a DER OCSP response. */
    readonly ocsp: (request: Uint8Array) => Effect.Effect<Uint8Array>;
  }
>()("@comedec/pki/Revocation") {}

/** A CRL says it is valid this long (RGS 3*: published at least every 24 hours). */
export const crlValidityHours = 24;

/** A CRL older than this is replaced on the next read, so relying parties never meet a stale one. */
export const crlRefreshHours = 12;

/** What a certificate issued by this CA says, once its signature is checked. */
interface IssuedFacts {
  readonly serial: string;
  readonly validFrom: Date;
  readonly validTo: Date;
  readonly publicKey: Uint8Array;
}

/** A keeper of one of the secrets the CA keys are sealed under. */
export interface Custodian {
  readonly name: string;
  readonly secret: string;
}

/**
 * The passphrase the CA keys are sealed under, made of two custodians' secrets: creating or
 * opening the CA's keys takes two distinct trusted people (rule `roles.dual-control`); neither
 * secret alone opens them. Throws, naming the rule, when fewer than two distinct custodians or a
 * weak secret are given.
 */
export const custodianPassphrase = (custodians: ReadonlyArray<Custodian>): string => {
  const violation = Rules.rules.dualControl.check({ operation: "activating the CA keys", confirmedBy: custodians.map((custodian) => custodian.name) });
  if (violation !== undefined) throw new Error(`${violation.rule}: ${violation.detail} (two custodians, each with a secret)`);
  if (custodians.some((custodian) => custodian.secret.length < 16)) throw new Error("a CA custodian's secret has at least 16 characters");
  return custodians
    .map((custodian) => `${custodian.name}\u0000${custodian.secret}`)
    .sort()
    .join("\u0001");
};

/** Where the CA lives and how relying parties reach it. */
export interface Options {
  /** Directory of the sealed CA keys; in memory (a new hierarchy per start) when absent. */
  readonly directory?: string;
  readonly passphrase: string;
  /** Base URL of the PKI endpoints: the CRL at `<base>/crl`, OCSP at `<base>/ocsp`. */
  readonly baseUrl: string;
}

const day = 86_400_000;

/** Where the root's CRL is published, under the PKI's base URL. */
export const rootCrlPath = "/crl/root";

/** The root's CRL says it is valid this long; a new one is signed when half of it has passed. */
export const rootCrlValidityDays = 30;

/**
 * The root CA's CRL: the intermediate CAs it revoked (none: the platform's one issuing CA is in
 * service), signed by the root, numbered by its second of issue so a later one has a higher
 * number. With the issuing CA's CRL, it lets a relying party check the whole chain
 * (`openssl verify -crl_check_all`).
 */
export const rootCrl = (hierarchy: Hierarchy, now: Date): PublishedCrl => {
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + rootCrlValidityDays * day);
  const number = BigInt(Math.floor(thisUpdate.getTime() / 1000));
  return { number, thisUpdate, nextUpdate, entries: 0, der: Crl.build(hierarchy.root, { number, thisUpdate, nextUpdate, revoked: [] }) };
};

/** A positive 128-bit serial number (RFC 5280: at most 20 octets, positive). */
export const newSerial = (): Uint8Array => {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01;
  return serial;
};

const caKey = (key: SigningKey.SigningKey, certificate: Uint8Array, name: Name, notAfter: Date): CaKey => ({
  key,
  certificate,
  name,
  keyIdentifier: Der.keyIdentifier(Der.publicKeyInfo(key.publicKeyInfo)),
  notAfter,
});

const selfOrIssued = (
  profile: Profile,
  subject: Name,
  subjectKey: SigningKey.SigningKey,
  issuer: { name: Name; key: SigningKey.SigningKey; keyIdentifier?: ArrayBuffer },
  now: Date,
  endpoints?: Der.Endpoints,
): CaKey => {
  const spki = Der.publicKeyInfo(subjectKey.publicKeyInfo);
  const keyId = Der.keyIdentifier(spki);
  const notAfter = new Date(now.getTime() + profile.maximumValidityDays * day);
  const der = Der.certificate(
    {
      serial: newSerial(),
      issuer: issuer.name,
      subject,
      notBefore: now,
      notAfter,
      subjectPublicKeyInfo: spki,
      extensions: Der.extensionsOf(profile, keyId, issuer.keyIdentifier ?? keyId, endpoints),
    },
    issuer.key,
  );
  return caKey(subjectKey, der, subject, notAfter);
};

/**
 * A new root and issuing CA on two keys (P-384 root, P-256 issuing), wherever they are; the issuing
 * CA's certificate names the root's CRL (`rootCrlUrl`, see `rootCrl`) as its distribution point.
 */
export const hierarchyOn = (rootKey: SigningKey.SigningKey, issuingKey: SigningKey.SigningKey, now: Date, rootCrlUrl?: string): Hierarchy => {
  const rootName = Der.name([
    ["C", "FR"],
    ["O", "COMEDEC"],
    ["CN", "COMEDEC Racine Agents"],
  ]);
  const root = selfOrIssued(profiles.root, rootName, rootKey, { name: rootName, key: rootKey }, now);
  const issuingName = Der.name([
    ["C", "FR"],
    ["O", "COMEDEC"],
    ["CN", "COMEDEC AC Agents Etat Civil"],
  ]);
  const issuing = selfOrIssued(
    profiles.issuing,
    issuingName,
    issuingKey,
    { name: rootName, key: rootKey, keyIdentifier: root.keyIdentifier },
    now,
    rootCrlUrl === undefined ? undefined : { crl: rootCrlUrl },
  );
  return { root, issuing };
};

/** Creates a new root and issuing CA on software keys, with the private keys to seal. */
const createSoftware = (now: Date, rootCrlUrl?: string) => {
  const privateKeys = {
    root: generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey,
    issuing: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey,
  };
  return { privateKeys, hierarchy: hierarchyOn(SigningKey.software(privateKeys.root), SigningKey.software(privateKeys.issuing), now, rootCrlUrl) };
};

/** Creates a new root and issuing CA on software keys (P-384 root, P-256 issuing), the issuing CA naming the root's CRL when given. */
export const createHierarchy = (now: Date, rootCrlUrl?: string): Hierarchy => createSoftware(now, rootCrlUrl).hierarchy;

interface StoredHierarchy {
  readonly root: { readonly key: Sealed.SealedKey; readonly certificate: string; readonly notAfter: string };
  readonly issuing: { readonly key: Sealed.SealedKey; readonly certificate: string; readonly notAfter: string };
}

const subjectNameOf = (certificate: Uint8Array): Name => AsnConvert.parse(certificate, Certificate).tbsCertificate.subject;

/** Loads the sealed hierarchy from the directory, or creates and stores it on first start. */
export const loadOrCreate = async (options: Options, now: Date): Promise<Hierarchy> => {
  if (options.directory === undefined) return createHierarchy(now, `${options.baseUrl}${rootCrlPath}`);
  const file = join(options.directory, "ca.json");
  const stored = await readFile(file, "utf8").then(
    (text) => JSON.parse(text) as StoredHierarchy,
    () => undefined,
  );
  if (stored !== undefined) {
    const open = (entry: StoredHierarchy["root"]) => {
      const certificate = new Uint8Array(Buffer.from(entry.certificate, "base64"));
      return caKey(SigningKey.software(Sealed.unseal(entry.key, options.passphrase)), certificate, subjectNameOf(certificate), new Date(entry.notAfter));
    };
    return { root: open(stored.root), issuing: open(stored.issuing) };
  }
  const { hierarchy, privateKeys } = createSoftware(now, `${options.baseUrl}${rootCrlPath}`);
  const store = (ca: CaKey, privateKey: KeyObject) => ({
    key: Sealed.seal(privateKey, options.passphrase),
    certificate: Buffer.from(ca.certificate).toString("base64"),
    notAfter: ca.notAfter.toISOString(),
  });
  await mkdir(options.directory, { recursive: true, mode: 0o700 });
  // `wx`: when two processes start together, one writes and the other reads what it wrote.
  const written = await writeFile(
    file,
    JSON.stringify({ root: store(hierarchy.root, privateKeys.root), issuing: store(hierarchy.issuing, privateKeys.issuing) }),
    { flag: "wx", mode: 0o600 },
  ).then(
    () => true,
    () => false,
  );
  return written ? hierarchy : loadOrCreate(options, now);
};

/** The labels of the service keys (and of the CA certificates kept beside them) on the CA's token. */
export const tokenLabels = { root: "comedec-ca-root", issuing: "comedec-ca-issuing", audit: "comedec-audit" } as const;

/**
 * Opens the hierarchy on the CA's token (logged in with the PIN both custodians' secrets make),
 * or, on a token that holds none, generates both key pairs there and keeps the certificates beside
 * them. A token holding half a hierarchy, or a certificate that is not its key's, is refused.
 */
export const loadOrCreateOnToken = (token: SigningKey.Token, now: Date): Effect.Effect<Hierarchy, CardFailure> =>
  Effect.gen(function* () {
    const { keys, label } = token;
    yield* keys.login(label, token.pin);
    const found = {
      root: { key: yield* keys.findKey(label, tokenLabels.root), certificate: yield* keys.readCertificate(label, tokenLabels.root) },
      issuing: { key: yield* keys.findKey(label, tokenLabels.issuing), certificate: yield* keys.readCertificate(label, tokenLabels.issuing) },
    };
    const refuse = (reason: string) => new DeviceFailure({ reason: `the CA token ${label} ${reason}: finish or redo the key ceremony` });
    if (found.root.key === undefined && found.issuing.key === undefined) {
      const rootKey = SigningKey.onToken(yield* keys.generateKey(label, tokenLabels.root, "P-384"));
      const issuingKey = SigningKey.onToken(yield* keys.generateKey(label, tokenLabels.issuing, "P-256"));
      const hierarchy = hierarchyOn(rootKey, issuingKey, now);
      yield* keys.writeCertificate(label, tokenLabels.root, hierarchy.root.certificate);
      yield* keys.writeCertificate(label, tokenLabels.issuing, hierarchy.issuing.certificate);
      return hierarchy;
    }
    const open = (entry: (typeof found)["root"]) => {
      if (entry.key === undefined || entry.certificate === undefined) return Effect.fail(refuse("holds half a CA hierarchy"));
      const certificate = new X509Certificate(Buffer.from(entry.certificate));
      if (!Buffer.from(certificate.publicKey.export({ format: "der", type: "spki" })).equals(Buffer.from(entry.key.publicKey))) {
        return Effect.fail(refuse("keeps a certificate that is not its key's"));
      }
      return Effect.succeed(caKey(SigningKey.onToken(entry.key), entry.certificate, subjectNameOf(entry.certificate), new Date(certificate.validTo)));
    };
    return { root: yield* open(found.root), issuing: yield* open(found.issuing) };
  });

const organisationOf = (site: Agent.AgentSite) =>
  site._tag === "commune" ? `Mairie ${site.commune}` : site._tag === "prefecture" ? `Prefecture ${site.departement}` : "ANTS";

/** The subject of a card holder's certificate, attribute by attribute: identity and site from the directory. */
export const subjectParts = (subject: Subject, usage: Card.KeyUsage): Der.NameParts => [
  ["C", "FR"],
  ["O", organisationOf(subject.site)],
  ["OU", Agent.siteKey(subject.site)],
  ["GN", subject.givenName],
  ["SN", subject.surname],
  ["CN", `${subject.givenName} ${subject.surname}${usage === "signature" ? " (signature)" : ""}`],
  ["serialNumber", subject.holder],
];

/** The subject each of a card's two CSRs must name, as DER `Name`s: what the card agent signs the requests with. */
export const subjectNamesDer = (subject: Subject): Readonly<Record<Card.KeyUsage, Uint8Array>> => ({
  authentication: new Uint8Array(Der.nameDer(subjectParts(subject, "authentication"))),
  signature: new Uint8Array(Der.nameDer(subjectParts(subject, "signature"))),
});

/** The subject name of a card holder's certificate. */
export const subjectName = (subject: Subject, usage: Card.KeyUsage): Name => Der.name(subjectParts(subject, usage));

/** Whether a checked key is of the algorithm the platform asked the card to generate. */
const isOfAlgorithm = (key: { readonly type: "ec"; readonly curve: string } | { readonly type: "rsa"; readonly bits: number }, algorithm: KeyAlgorithm) =>
  algorithm === "P-256" ? key.type === "ec" && key.curve === "prime256v1" : key.type === "rsa" && `RSA-${key.bits}` === algorithm;

/** The authority on a hierarchy: issues from CSRs, revokes through the registry. */
export const make = (hierarchy: Hierarchy, baseUrl: string) =>
  Effect.gen(function* () {
    const registry = yield* CertificateRegistry;
    const endpoints = { crl: `${baseUrl}/crl`, ocsp: `${baseUrl}/ocsp` };

    const issuingCertificate = new X509Certificate(Buffer.from(hierarchy.issuing.certificate));

    // Parsing a certificate and checking the CA's signature on it is the costly part of a login's
    // check and never changes for the same bytes: remembered for the certificates seen lately.
    const issuedCache = new Map<string, IssuedFacts | undefined>();
    const parseIssued = (der: Uint8Array): IssuedFacts | undefined => {
      const key = hash("sha256", der, "base64");
      if (issuedCache.has(key)) return issuedCache.get(key);
      const certificate = new X509Certificate(Buffer.from(der));
      const facts =
        certificate.checkIssued(issuingCertificate) && certificate.verify(issuingCertificate.publicKey)
          ? {
              serial: certificate.serialNumber.toLowerCase().replace(/^(00)+(?=.)/, ""),
              validFrom: new Date(certificate.validFrom),
              validTo: new Date(certificate.validTo),
              publicKey: new Uint8Array(certificate.publicKey.export({ format: "der", type: "spki" })),
            }
          : undefined;
      if (issuedCache.size >= 10_000) issuedCache.clear();
      issuedCache.set(key, facts);
      return facts;
    };

    // Each profile's constant parts, encoded once.
    const templates = {
      authentication: Issuance.template(hierarchy.issuing, forUsage("authentication"), endpoints),
      signature: Issuance.template(hierarchy.issuing, forUsage("signature"), endpoints),
    };

    /** Issues from a CSR whose subject must be the holder's (and whose key of the algorithm asked for, when one is). */
    const issueFromCsr = (csr: Uint8Array, subject: Subject, usage: Card.KeyUsage, asked?: KeyAlgorithm) =>
      Effect.gen(function* () {
        const now = new Date(yield* Clock.currentTimeMillis);
        const checked = yield* Csr.check(csr, now);
        const expected = Der.nameDer(subjectParts(subject, usage));
        if (!expected.equals(checked.subject)) return yield* new CertificateRefused({ reason: "the request's subject is not the holder's identity and site" });
        if (asked !== undefined && !isOfAlgorithm(checked.key, asked)) {
          return yield* new CertificateRefused({ reason: `the request's key is not a ${asked} key, which the platform asked the card for` });
        }
        const profile = forUsage(usage);
        // Never past the issuing CA: a relying party would reject the tail of the validity anyway.
        const notAfter = new Date(Math.min(now.getTime() + profile.maximumValidityDays * day, hierarchy.issuing.notAfter.getTime()));
        // RGS certificate.validity holds by construction here; checked all the same, so a change of profile cannot slip past it.
        const tooLong = Rules.rules.certificateValidity.check({ notBefore: now, notAfter, issuerNotAfter: hierarchy.issuing.notAfter });
        if (tooLong !== undefined) return yield* new CertificateRefused({ rule: tooLong.rule, reason: tooLong.detail });
        const serial = newSerial();
        const der = Issuance.certificate(templates[usage], {
          serial: Encoding.positiveInteger(serial),
          notBefore: now,
          notAfter,
          subject: expected,
          publicKeyInfo: checked.publicKeyInfo,
        });
        const serialHex = Buffer.from(serial).toString("hex");
        yield* registry.record({ serial: serialHex, card: subject.card, holder: subject.holder, usage, notAfter, der });
        const algorithm = checked.key.type === "ec" ? checked.key.curve : `RSA-${checked.key.bits}`;
        return {
          der,
          ref: { serial: serialHex, notBefore: now.toISOString(), notAfter: notAfter.toISOString(), algorithm },
          publicKey: new Uint8Array(checked.publicKeyInfo),
        };
      });

    const publishCrl = Effect.gen(function* () {
      const number = yield* registry.nextCrlNumber;
      // The number is taken before the list is read: a higher number always lists at least as much.
      const thisUpdate = new Date(yield* Clock.currentTimeMillis);
      const revoked = yield* registry.revokedAt(thisUpdate);
      const nextUpdate = new Date(thisUpdate.getTime() + crlValidityHours * 3_600_000);
      const der = Crl.build(hierarchy.issuing, { number, thisUpdate, nextUpdate, revoked });
      const published = { number, thisUpdate, nextUpdate, entries: revoked.length, der };
      yield* registry.saveCrl(published);
      return published;
    });

    // A revocation recorded after the latest CRL was numbered (its publication never ran) is published before anything is served.
    const unpublished = registry.unpublished ?? Effect.succeed(false);
    const currentCrl = Effect.gen(function* () {
      const latest = yield* registry.latestCrl;
      const now = yield* Clock.currentTimeMillis;
      if (latest !== undefined && now - latest.thisUpdate.getTime() < crlRefreshHours * 3_600_000 && !(yield* unpublished)) return latest;
      return yield* publishCrl;
    });

    /**
     * A certificate presented at `at`: issued by this CA, valid then, registered, and not revoked —
     * at all (`now`: a login), or at or before `at` (`then`: a signature made at `at`).
     */
    const checkCertificate = (
      der: Uint8Array,
      at: Date,
      revokedAsOf: "now" | "then",
      prefetched?: { readonly entry: (IssuedCertificate & { readonly revoked?: RevokedCertificate }) | undefined },
    ) =>
      Effect.gen(function* () {
        const refuse = (reason: string) => Effect.fail(new CertificateRefused({ reason }));
        const parsed = yield* Effect.try({
          try: () => parseIssued(der),
          catch: () => new CertificateRefused({ reason: "not an X.509 certificate" }),
        });
        if (parsed === undefined) return yield* refuse("not issued by this CA");
        if (at < parsed.validFrom || at > parsed.validTo) return yield* refuse("outside its validity period");
        // What may change — registration, revocation — is read every time.
        const registered = prefetched === undefined ? yield* registry.find(parsed.serial) : prefetched.entry;
        if (registered === undefined || !Buffer.from(registered.der).equals(Buffer.from(der))) return yield* refuse("not a certificate this CA registered");
        const revoked = registered.revoked;
        // Signing times have whole seconds (CMS UTCTime): a revocation in the same second counts as before.
        const revokedThen = revoked !== undefined && Math.floor(revoked.revokedAt.getTime() / 1000) <= Math.floor(at.getTime() / 1000);
        if (revoked !== undefined && (revokedAsOf === "now" || revokedThen)) {
          return yield* refuse(`revoked (${revoked.reason})${revokedAsOf === "then" ? ` on ${revoked.revokedAt.toISOString()}, before the signature` : ""}`);
        }
        return { serial: parsed.serial, holder: registered.holder, card: registered.card, usage: registered.usage, publicKey: parsed.publicKey };
      });

    return {
      issueFromCsr,
      authority: CertificateAuthority.of({
        issueForCard: ({ subject, usage, publicKey, signWithCardKey }) =>
          Effect.flatMap(Csr.create(subjectName(subject, usage), publicKey, signWithCardKey), (csr) =>
            Effect.map(issueFromCsr(csr, subject, usage), ({ der, ref }) => ({ der, ref })),
          ),
        issueFromCsr: ({ csr, subject, usage, algorithm }) => issueFromCsr(csr, subject, usage, algorithm),
        check: (der, at) => checkCertificate(der, at, "now"),
        checkAt: (der, signedAt, registered) => checkCertificate(der, signedAt, "then", registered),
        // A revocation is published at once: the next CRL is signed right after it is recorded.
        revoke: (serials, reason, at) => (serials.length === 0 ? Effect.void : Effect.andThen(registry.revoke(serials, reason, at), Effect.asVoid(publishCrl))),
        // A release too: the next CRL, signed now, leaves the released entries out (removeFromCRL).
        release: (serials, at) => {
          const release = registry.release;
          if (serials.length === 0) return Effect.void;
          if (release === undefined) return Effect.die(new Error("this certificate register cannot release a hold"));
          return Effect.andThen(release(serials, at), Effect.asVoid(publishCrl));
        },
      }),
      revocation: Revocation.of({
        publishCrl,
        currentCrl,
        ocsp: (request) =>
          Effect.flatMap(Clock.currentTimeMillis, (millis) => Ocsp.respond(request, { issuer: hierarchy.issuing, find: registry.find, now: new Date(millis) })),
      }),
    };
  });

/** The CA hierarchy of the options, loaded (or created) once. */
export const hierarchyLayer = (options: Options) =>
  Layer.effect(
    CaCertificates,
    Effect.map(
      Effect.flatMap(Clock.currentTimeMillis, (millis) => Effect.promise(() => loadOrCreate(options, new Date(millis)))),
      (hierarchy) => CaCertificates.of({ root: hierarchy.root.certificate, issuing: hierarchy.issuing.certificate, hierarchy }),
    ),
  );

/** The CA hierarchy on the CA's token of `KeyTokens`, opened (or created there) once. */
export const tokenHierarchyLayer = (options: { readonly token: string; readonly pin: string }): Layer.Layer<CaCertificates, CardFailure, KeyTokens> =>
  Layer.effect(
    CaCertificates,
    Effect.gen(function* () {
      const keys = yield* KeyTokens;
      const hierarchy = yield* loadOrCreateOnToken({ keys, label: options.token, pin: options.pin }, new Date(yield* Clock.currentTimeMillis));
      return CaCertificates.of({ root: hierarchy.root.certificate, issuing: hierarchy.issuing.certificate, hierarchy });
    }),
  );

/** The `CertificateAuthority` port and the `Revocation` service on a hierarchy's layer, recording in the registry. */
export const authorityOn = <E, R>(
  hierarchy: Layer.Layer<CaCertificates, E, R>,
  baseUrl: string,
): Layer.Layer<CertificateAuthority | Revocation | CaCertificates, E, CertificateRegistry | R> => {
  const authority = Layer.effectContext(
    Effect.flatMap(CaCertificates, (certificates) =>
      Effect.map(make(certificates.hierarchy, baseUrl), (made) =>
        Context.make(CertificateAuthority, made.authority).pipe(Context.add(Revocation, made.revocation)),
      ),
    ),
  );
  return authority.pipe(Layer.provideMerge(hierarchy));
};

/** The `CertificateAuthority` port and the `Revocation` service on the sealed software hierarchy, recording in the registry. */
export const authorityLayer = (options: Options): Layer.Layer<CertificateAuthority | Revocation | CaCertificates, never, CertificateRegistry> =>
  authorityOn(hierarchyLayer(options), options.baseUrl);
