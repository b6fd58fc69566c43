/**
 * Virtual smart cards for the embedded platform and for editors' tests, behind the same port as
 * the PKCS#11 driver. A card counts wrong PINs (3) and PUKs (10) and locks; its private keys are
 * created inside it and only public keys, certificates and signatures come out; the signature key
 * asks for the PIN at every use. With a seed, serials and P-256 keys are derived from it, so a
 * test run is reproducible. Cards are persisted one JSON file each in a directory (written whole
 * and renamed, so a crash never leaves half a card), read again when another process changed one
 * (a reader shared by two programs on one workstation: one at a time — there is no lock between
 * processes, so two programs trying the same card at the same instant may lose one write); without
 * a directory they live in memory.
 */
import {
  CardAbsent,
  type CardFailure,
  CardManufacturer,
  type Card,
  DeviceFailure,
  type KeyAlgorithm,
  KeyNotFound,
  PinFinalTry,
  PinIncorrect,
  PinLocked,
  pinProblem,
  PinRejected,
  PinRequired,
  pinRules,
  SmartCards,
  type SmartCardsShape,
} from "@comedec/card";
import { Context, Effect, Layer, Semaphore } from "effect";
import {
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  timingSafeEqual,
} from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface Secret {
  readonly salt: string;
  readonly hash: string;
}

interface StoredKey {
  readonly algorithm: KeyAlgorithm;
  readonly pkcs8: string;
  readonly spki: string;
}

/** A virtual card as persisted. */
export interface VirtualCard {
  readonly serial: string;
  readonly label: string;
  present: boolean;
  pin: Secret | undefined;
  pinTriesLeft: number;
  puk: Secret;
  pukTriesLeft: number;
  keys: Partial<Record<Card.KeyUsage, StoredKey>>;
  certificates: Partial<Record<Card.KeyUsage, string>>;
  generation: number;
}

/** A card was inserted or removed. */
export interface ReaderEvent {
  readonly type: "inserted" | "removed";
  readonly serial: string;
}

/** Options of the simulator. */
export interface Options {
  /** Where the cards are kept; in memory when absent. */
  readonly directory?: string;
  /** Derives serials and P-256 keys from this seed: the same seed gives the same cards. */
  readonly seed?: string;
}

const hashSecret = (secret: string, salt: string) => createHash("sha256").update(salt).update(secret).digest("hex");
const makeSecret = (secret: string): Secret => {
  const salt = randomBytes(16).toString("hex");
  return { salt, hash: hashSecret(secret, salt) };
};
const matches = (secret: string, stored: Secret) => timingSafeEqual(Buffer.from(hashSecret(secret, stored.salt), "hex"), Buffer.from(stored.hash, "hex"));

// The order of the P-256 group: a derived private scalar must lie in [1, n - 1].
const p256Order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const deriveP256 = (seed: string, label: string): KeyObject => {
  const scalar = (BigInt(`0x${createHmac("sha256", seed).update(label).digest("hex")}`) % (p256Order - 1n)) + 1n;
  const d = Buffer.from(scalar.toString(16).padStart(64, "0"), "hex");
  const ecdh = createECDH("prime256v1");
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  return createPrivateKey({
    key: { kty: "EC", crv: "P-256", d: d.toString("base64url"), x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") },
    format: "jwk",
  });
};

/** The simulator: the smart-card port, the manufacturer, and the reader's controls. */
export interface Simulator extends SmartCardsShape {
  readonly manufacture: (order: {
    readonly card: string;
    readonly puk: string;
    readonly label: string;
  }) => Effect.Effect<{ readonly serial: string }, DeviceFailure>;
  readonly insert: (serial: string) => Effect.Effect<void, CardAbsent>;
  readonly remove: (serial: string) => Effect.Effect<void, CardAbsent>;
  /** Listens to insertions and removals; returns the function that stops listening. */
  readonly watch: (listener: (event: ReaderEvent) => void) => () => void;
}

/** Opens (or creates) the simulated readers. */
export const make = (options: Options = {}): Effect.Effect<Simulator> =>
  Effect.gen(function* () {
    const cards = new Map<string, VirtualCard>();
    const loggedIn = new Set<string>();
    const listeners = new Set<(event: ReaderEvent) => void>();
    const lock = yield* Semaphore.make(1);
    // The modification time of each card's file as this process last read or wrote it: a card another
    // process changed since (the CLI's `demo prepare` beside the embedded platform's agent) is read again.
    const known = new Map<string, number>();
    const fileOf = (directory: string, serial: string) => join(directory, `${serial}.json`);
    const mtimeOf = (file: string) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    const readCard = (file: string) => {
      const card = JSON.parse(readFileSync(file, "utf8")) as VirtualCard;
      cards.set(card.serial, card);
      known.set(card.serial, mtimeOf(file) ?? 0);
    };
    /** Reads again the cards of the directory that another process wrote since (all, or one). */
    const refresh = (serial?: string) => {
      if (options.directory === undefined) return;
      const directory = options.directory;
      const serials =
        serial !== undefined
          ? [serial]
          : readdirSync(directory)
              .filter((name) => name.endsWith(".json"))
              .map((name) => name.slice(0, -".json".length));
      for (const each of serials) {
        const file = fileOf(directory, each);
        const mtime = mtimeOf(file);
        if (mtime !== undefined && mtime !== known.get(each)) readCard(file);
      }
    };
    if (options.directory !== undefined) {
      mkdirSync(options.directory, { recursive: true, mode: 0o700 });
      refresh();
    }

    const save = (card: VirtualCard) => {
      if (options.directory === undefined) return;
      const file = fileOf(options.directory, card.serial);
      writeFileSync(`${file}.tmp`, JSON.stringify(card), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
      known.set(card.serial, mtimeOf(file) ?? 0);
    };

    /** Runs an operation on a present card, one operation at a time, and persists what it changed. */
    const withCard = <A>(serial: string, operation: (card: VirtualCard) => Effect.Effect<A, CardFailure>): Effect.Effect<A, CardFailure> =>
      lock.withPermits(1)(
        Effect.suspend((): Effect.Effect<A, CardFailure> => {
          refresh(serial);
          const card = cards.get(serial);
          if (card === undefined || !card.present) return Effect.fail(new CardAbsent({ serial }));
          return operation(card).pipe(Effect.ensuring(Effect.sync(() => save(card))));
        }),
      );

    const checkPin = (card: VirtualCard, pin: string, evenIfFinalTry: boolean): Effect.Effect<void, CardFailure> => {
      const { serial } = card;
      if (card.pin === undefined) return Effect.fail(new PinRejected({ serial, reason: "the PIN is not set: the card must be activated first" }));
      if (card.pinTriesLeft <= 0) return Effect.fail(new PinLocked({ serial, secret: "pin" }));
      if (card.pinTriesLeft === 1 && !evenIfFinalTry) return Effect.fail(new PinFinalTry({ serial }));
      if (matches(pin, card.pin)) {
        card.pinTriesLeft = pinRules.tries;
        return Effect.void;
      }
      card.pinTriesLeft -= 1;
      loggedIn.delete(serial);
      return Effect.fail(
        card.pinTriesLeft === 0 ? new PinLocked({ serial, secret: "pin" }) : new PinIncorrect({ serial, secret: "pin", triesLeft: card.pinTriesLeft }),
      );
    };

    const requireLogin = (card: VirtualCard): Effect.Effect<void, CardFailure> =>
      loggedIn.has(card.serial) ? Effect.void : Effect.fail(new PinRequired({ serial: card.serial }));

    const newKey = (card: VirtualCard, usage: Card.KeyUsage, algorithm: KeyAlgorithm): KeyObject => {
      if (algorithm === "P-256") {
        return options.seed === undefined
          ? generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey
          : deriveP256(options.seed, `${card.serial}/${usage}/${card.generation}`);
      }
      return generateKeyPairSync("rsa", { modulusLength: algorithm === "RSA-3072" ? 3072 : 2048 }).privateKey;
    };

    const emit = (event: ReaderEvent) => {
      for (const listener of listeners) listener(event);
    };

    const simulator: Simulator = {
      // Under the lock: a card read again never replaces one an operation of this process holds.
      list: lock.withPermits(1)(
        Effect.sync(() => {
          refresh();
          return [...cards.values()]
            .filter((card) => card.present)
            .map((card, slot) => ({ slot, serial: card.serial, label: card.label, pin: pinStateOf(card) }));
        }),
      ),
      pinState: (serial) => withCard(serial, (card) => Effect.succeed(pinStateOf(card))),
      login: (serial, pin, loginOptions) =>
        withCard(serial, (card) => Effect.tap(checkPin(card, pin, loginOptions?.evenIfFinalTry ?? false), () => Effect.sync(() => loggedIn.add(serial)))),
      logout: (serial) => withCard(serial, () => Effect.sync(() => void loggedIn.delete(serial))),
      changePin: (serial, oldPin, newPin) =>
        withCard(serial, (card) =>
          Effect.flatMap(checkPin(card, oldPin, true), () => {
            const problem = pinProblem(newPin);
            if (problem !== undefined) return Effect.fail(new PinRejected({ serial, reason: problem }));
            card.pin = makeSecret(newPin);
            return Effect.void;
          }),
        ),
      unblock: (serial, puk, newPin) =>
        withCard(serial, (card): Effect.Effect<void, CardFailure> => {
          if (card.pukTriesLeft <= 0) return Effect.fail(new PinLocked({ serial, secret: "puk" }));
          if (!matches(puk, card.puk)) {
            card.pukTriesLeft -= 1;
            return Effect.fail(
              card.pukTriesLeft === 0 ? new PinLocked({ serial, secret: "puk" }) : new PinIncorrect({ serial, secret: "puk", triesLeft: card.pukTriesLeft }),
            );
          }
          card.pukTriesLeft = pinRules.pukTries;
          const problem = pinProblem(newPin);
          if (problem !== undefined) return Effect.fail(new PinRejected({ serial, reason: problem }));
          card.pin = makeSecret(newPin);
          card.pinTriesLeft = pinRules.tries;
          return Effect.void;
        }),
      generateKeyPair: (serial, usage, algorithm) =>
        withCard(serial, (card) =>
          Effect.map(requireLogin(card), () => {
            card.generation += 1;
            const privateKey = newKey(card, usage, algorithm);
            const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
            card.keys[usage] = { algorithm, pkcs8: privateKey.export({ format: "der", type: "pkcs8" }).toString("base64"), spki: spki.toString("base64") };
            delete card.certificates[usage];
            return { usage, algorithm, publicKey: new Uint8Array(spki) };
          }),
        ),
      writeCertificate: (serial, usage, der) =>
        withCard(serial, (card) =>
          Effect.flatMap(requireLogin(card), () => {
            if (card.keys[usage] === undefined) return Effect.fail(new KeyNotFound({ serial, usage }));
            card.certificates[usage] = Buffer.from(der).toString("base64");
            return Effect.void;
          }),
        ),
      readCertificate: (serial, usage) =>
        withCard(serial, (card) => {
          const certificate = card.certificates[usage];
          return certificate === undefined
            ? Effect.fail(new KeyNotFound({ serial, usage }))
            : Effect.succeed(new Uint8Array(Buffer.from(certificate, "base64")));
        }),
      sign: (serial, usage, data, pin) =>
        withCard(serial, (card) => {
          const authorised =
            usage === "signature" ? (pin === undefined ? Effect.fail(new PinRequired({ serial })) : checkPin(card, pin, false)) : requireLogin(card);
          return Effect.flatMap(authorised, (): Effect.Effect<Uint8Array, CardFailure> => {
            const key = card.keys[usage];
            if (key === undefined) return Effect.fail(new KeyNotFound({ serial, usage }));
            return Effect.try({
              try: () => new Uint8Array(sign("sha256", data, createPrivateKey({ key: Buffer.from(key.pkcs8, "base64"), format: "der", type: "pkcs8" }))),
              catch: (error) => new DeviceFailure({ reason: String(error) }),
            });
          });
        }),
      manufacture: ({ card, puk, label }) =>
        lock.withPermits(1)(
          Effect.sync(() => {
            const serial = `SIM-${(options.seed === undefined ? randomBytes(6).toString("hex") : createHmac("sha256", options.seed).update(card).digest("hex").slice(0, 12)).toUpperCase()}`;
            const virtual: VirtualCard = {
              serial,
              label,
              present: true,
              pin: undefined,
              pinTriesLeft: pinRules.tries,
              puk: makeSecret(puk),
              pukTriesLeft: pinRules.pukTries,
              keys: {},
              certificates: {},
              generation: 0,
            };
            cards.set(serial, virtual);
            save(virtual);
            emit({ type: "inserted", serial });
            return { serial };
          }),
        ),
      insert: (serial) => setPresence(serial, true),
      remove: (serial) => setPresence(serial, false),
      watch: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };

    function setPresence(serial: string, present: boolean) {
      return lock.withPermits(1)(
        Effect.suspend(() => {
          const card = cards.get(serial);
          if (card === undefined) return Effect.fail(new CardAbsent({ serial }));
          card.present = present;
          if (!present) loggedIn.delete(serial);
          save(card);
          emit({ type: present ? "inserted" : "removed", serial });
          return Effect.void;
        }),
      );
    }

    return simulator;
  });

const pinStateOf = (card: VirtualCard) => ({
  initialised: card.pin !== undefined,
  triesLeft: card.pinTriesLeft,
  countLow: card.pinTriesLeft < pinRules.tries,
  finalTry: card.pinTriesLeft === 1,
  locked: card.pinTriesLeft === 0,
});

/** The simulator as the smart-card port and the card manufacturer. */
export const layer = (options: Options = {}): Layer.Layer<SmartCards | CardManufacturer> =>
  Layer.effectContext(
    Effect.map(make(options), (simulator) => {
      const { manufacture, insert: _insert, remove: _remove, watch: _watch, ...port } = simulator;
      return Context.make(SmartCards, SmartCards.of(port)).pipe(Context.add(CardManufacturer, CardManufacturer.of({ manufacture })));
    }),
  );
