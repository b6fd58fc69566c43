/**
 * The smart-card port on PKCS#11 through `pkcs11js`: agents' cards on the vendor's middleware in
 * production, SoftHSM2 in tests. A card is a token, found by its serial number. Before every
 * login the driver reads the token's PIN flags and refuses a login that would lock the card
 * unless told to go ahead (a card's third wrong PIN is final). Keys are generated on the token as
 * sensitive, non-extractable objects; the signature key is marked `CKA_ALWAYS_AUTHENTICATE` and
 * the driver asks for the PIN at every signature. SoftHSM has no `CKM_ECDSA_SHA256`: the driver
 * hashes, then signs with `CKM_ECDSA`. The same driver serves the HSM's service keys (`KeyTokens`:
 * the CA's and the audit trail's keys on a token found by its label). pkcs11js' types never leave
 * this module.
 */
import {
  CardAbsent,
  CardManufacturer,
  type Card,
  type CardFailure,
  DeviceFailure,
  type GeneratedKey,
  type KeyAlgorithm,
  KeyNotFound,
  KeyTokens,
  type KeyTokensShape,
  PinFinalTry,
  PinIncorrect,
  PinLocked,
  pinProblem,
  PinRejected,
  PinRequired,
  type PinState,
  type ServiceKeyCurve,
  SmartCards,
  type SmartCardsShape,
  type TokenKey,
} from "@comedec/card";
import { Context, Effect, Layer } from "effect";
import { createHash, createPublicKey } from "node:crypto";
import pkcs11js from "pkcs11js";
import { ecdsaSignatureToDer, subjectOf } from "./Der.js";

/** Where the PKCS#11 module is. */
export interface Options {
  /** Path of the vendor's PKCS#11 library (SoftHSM: `/usr/lib/softhsm/libsofthsm2.so`). */
  readonly library: string;
}

// PKCS#11 return values the driver tells apart (PKCS#11 v2.40 §3.6).
const CKR = {
  pinIncorrect: 0xa0,
  pinInvalid: 0xa1,
  pinLengthRange: 0xa2,
  pinLocked: 0xa4,
  userAlreadyLoggedIn: 0x100,
  userNotLoggedIn: 0x101,
  tokenNotPresent: 0xe0,
  deviceRemoved: 0x32,
  sessionHandleInvalid: 0xb3,
  alreadyInitialised: 0x191,
} as const;

// The DER of the P-256 curve's OID (CKA_EC_PARAMS) and the SubjectPublicKeyInfo prefix of a P-256 point.
const p256Parameters = Buffer.from("06082a8648ce3d030107", "hex");
const p256InfoPrefix = Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex");
// The same for P-384, the root CA's curve.
const curves = {
  "P-256": { parameters: p256Parameters, infoPrefix: p256InfoPrefix, pointLength: 65 },
  "P-384": {
    parameters: Buffer.from("06052b81040022", "hex"),
    infoPrefix: Buffer.from("3076301006072a8648ce3d020106052b81040022036200", "hex"),
    pointLength: 97,
  },
} as const;

const idOf = (usage: Card.KeyUsage) => Buffer.from([usage === "authentication" ? 1 : 2]);
const trimmed = (text: string) => text.replace(/\0/g, "").trim();

/** A token's PIN flags as the port reports them. */
const pinStateOf = (flags: number): PinState => {
  const locked = (flags & pkcs11js.CKF_USER_PIN_LOCKED) !== 0;
  const finalTry = (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) !== 0;
  return {
    initialised: (flags & pkcs11js.CKF_USER_PIN_INITIALIZED) !== 0,
    // PKCS#11 tells only "count low" and "final try", not the count itself.
    triesLeft: locked ? 0 : finalTry ? 1 : undefined,
    countLow: (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) !== 0,
    finalTry,
    locked,
  };
};

const codeOf = (error: unknown): number | undefined =>
  typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "number" ? (error as { code: number }).code : undefined;

/** The driver: the port, and the manufacturer (token initialisation, for SoftHSM and personalisation stations). */
export interface Driver extends SmartCardsShape {
  readonly manufacture: (order: {
    readonly card: string;
    readonly puk: string;
    readonly label: string;
  }) => Effect.Effect<{ readonly serial: string }, CardFailure>;
  /** The service keys (CA, audit) on tokens of the same module. */
  readonly keyTokens: KeyTokensShape;
}

/** Loads the module and initialises it; finalises it when the scope closes. */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const module = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          const loaded = new pkcs11js.PKCS11();
          loaded.load(options.library);
          // The cards and the CA's token may be on one module, loaded twice in a process: the second leaves it initialised.
          let initialised = true;
          try {
            loaded.C_Initialize();
          } catch (error) {
            if (codeOf(error) !== CKR.alreadyInitialised) throw error;
            initialised = false;
          }
          return { loaded, initialised };
        },
        catch: (error) => new DeviceFailure({ reason: `cannot load the PKCS#11 module ${options.library}: ${String(error)}` }),
      }),
      ({ loaded, initialised }) =>
        Effect.sync(() => {
          if (initialised) loaded.C_Finalize();
          loaded.close();
        }),
    ).pipe(Effect.map(({ loaded }) => loaded));
    // Every operation below is one synchronous run of PKCS#11 calls: on Node's single thread two
    // operations cannot interleave, so a token's session and login state need no lock.
    const sessions = new Map<string, Buffer>();
    const loggedIn = new Set<string>();
    // Private key handles by card and usage, with whether the key is EC: found once, not at every signature.
    const signingKeys = new Map<string, { readonly handle: Buffer; readonly ec: boolean }>();
    // Room for any signature (RSA-4096 at most), written by C_Sign and copied out before the next call.
    const signatureBuffer = Buffer.alloc(1024);

    const slotOf = (serial: string) => {
      for (const slot of module.C_GetSlotList(true)) {
        if (trimmed(module.C_GetTokenInfo(slot).serialNumber) === serial) return slot;
      }
      return undefined;
    };

    const sessionOf = (serial: string): Buffer => {
      const known = sessions.get(serial);
      if (known !== undefined) return known;
      const slot = slotOf(serial);
      if (slot === undefined) throw new CardAbsent({ serial });
      const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      sessions.set(serial, session);
      return session;
    };

    const flagsOf = (serial: string) => {
      const slot = slotOf(serial);
      if (slot === undefined) throw new CardAbsent({ serial });
      return module.C_GetTokenInfo(slot).flags;
    };

    /** Maps a vendor failure to the port's family, once, at the edge. */
    const failure = (serial: string, error: unknown, secret: "pin" | "puk" = "pin"): CardFailure => {
      // The driver's own refusals are already of the family.
      if (typeof error === "object" && error !== null && typeof (error as { _tag?: unknown })._tag === "string") return error as CardFailure;
      switch (codeOf(error)) {
        case CKR.pinIncorrect: {
          if (secret === "puk") return new PinIncorrect({ serial, secret });
          const state = pinStateOf(flagsOf(serial));
          if (state.locked) return new PinLocked({ serial, secret });
          return new PinIncorrect({ serial, secret, ...(state.triesLeft === undefined ? {} : { triesLeft: state.triesLeft }) });
        }
        case CKR.pinLocked:
          return new PinLocked({ serial, secret });
        case CKR.pinInvalid:
        case CKR.pinLengthRange:
          return new PinRejected({ serial, reason: "the card refuses this PIN's format" });
        case CKR.userNotLoggedIn:
          return new PinRequired({ serial });
        case CKR.tokenNotPresent:
        case CKR.deviceRemoved:
          return new CardAbsent({ serial });
        default:
          return new DeviceFailure({ reason: error instanceof Error ? error.message : String(error) });
      }
    };

    /** Runs vendor calls on a card, one at a time, and maps their failures. */
    const onCard = <A>(serial: string, work: () => A, secret: "pin" | "puk" = "pin"): Effect.Effect<A, CardFailure> =>
      Effect.try({
        try: work,
        catch: (error) => {
          if (codeOf(error) === CKR.sessionHandleInvalid || codeOf(error) === CKR.deviceRemoved || codeOf(error) === CKR.tokenNotPresent) {
            sessions.delete(serial);
            loggedIn.delete(serial);
            for (const usage of ["authentication", "signature"]) signingKeys.delete(`${serial}/${usage}`);
          }
          try {
            return failure(serial, error, secret);
          } catch (absent) {
            return absent instanceof CardAbsent ? absent : new DeviceFailure({ reason: String(absent) });
          }
        },
      });

    const requireLogin = (serial: string) => {
      if (!loggedIn.has(serial)) throw new PinRequired({ serial });
    };

    const find = (session: Buffer, objectClass: number, usage: Card.KeyUsage): Buffer | undefined => {
      module.C_FindObjectsInit(session, [
        { type: pkcs11js.CKA_CLASS, value: objectClass },
        { type: pkcs11js.CKA_ID, value: idOf(usage) },
      ]);
      try {
        return module.C_FindObjects(session) ?? undefined;
      } finally {
        module.C_FindObjectsFinal(session);
      }
    };

    const destroyAll = (serial: string, session: Buffer, usage: Card.KeyUsage) => {
      signingKeys.delete(`${serial}/${usage}`);
      for (const objectClass of [pkcs11js.CKO_PRIVATE_KEY, pkcs11js.CKO_PUBLIC_KEY, pkcs11js.CKO_CERTIFICATE]) {
        for (let handle = find(session, objectClass, usage); handle !== undefined; handle = find(session, objectClass, usage))
          module.C_DestroyObject(session, handle);
      }
    };

    /** The values of some attributes of an object, in order; a missing one is a device failure. */
    const valuesOf = (session: Buffer, handle: Buffer, types: ReadonlyArray<number>): ReadonlyArray<Buffer> =>
      module
        .C_GetAttributeValue(
          session,
          handle,
          types.map((type) => ({ type })),
        )
        .map((attribute) => {
          if (attribute.value === undefined) throw new DeviceFailure({ reason: `the token did not return attribute ${attribute.type}` });
          return attribute.value;
        });

    const publicKeyInfo = (session: Buffer, handle: Buffer, algorithm: KeyAlgorithm): Uint8Array => {
      if (algorithm === "P-256") {
        // CKA_EC_POINT is the DER OCTET STRING of the uncompressed point: its last 65 bytes.
        const [value] = valuesOf(session, handle, [pkcs11js.CKA_EC_POINT]) as [Buffer];
        return new Uint8Array(Buffer.concat([p256InfoPrefix, value.subarray(value.length - 65)]));
      }
      const [modulus, exponent] = valuesOf(session, handle, [pkcs11js.CKA_MODULUS, pkcs11js.CKA_PUBLIC_EXPONENT]) as [Buffer, Buffer];
      const key = createPublicKey({ key: { kty: "RSA", n: modulus.toString("base64url"), e: exponent.toString("base64url") }, format: "jwk" });
      return new Uint8Array(key.export({ format: "der", type: "spki" }));
    };

    const signingKeyOf = (serial: string, session: Buffer, usage: Card.KeyUsage) => {
      const cached = signingKeys.get(`${serial}/${usage}`);
      if (cached !== undefined) return cached;
      const handle = find(session, pkcs11js.CKO_PRIVATE_KEY, usage);
      if (handle === undefined) throw new KeyNotFound({ serial, usage });
      const [type] = valuesOf(session, handle, [pkcs11js.CKA_KEY_TYPE]) as [Buffer];
      // CKA_KEY_TYPE is a CK_ULONG in the host's byte order; the key types here fit its first byte.
      const found = { handle, ec: type[0] === pkcs11js.CKK_EC };
      signingKeys.set(`${serial}/${usage}`, found);
      return found;
    };

    // The service keys' tokens (the CA's, the audit trail's), found by label: one session each.
    const tokenSessions = new Map<string, Buffer>();
    const tokenSlotOf = (token: string) => {
      for (const slot of module.C_GetSlotList(true)) {
        if (trimmed(module.C_GetTokenInfo(slot).label) === token) return slot;
      }
      return undefined;
    };
    const tokenSessionOf = (token: string): Buffer => {
      const known = tokenSessions.get(token);
      if (known !== undefined) return known;
      const slot = tokenSlotOf(token);
      if (slot === undefined) throw new CardAbsent({ serial: token });
      const session = module.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      tokenSessions.set(token, session);
      return session;
    };
    const onToken = <A>(token: string, work: () => A): Effect.Effect<A, CardFailure> =>
      Effect.try({
        try: work,
        catch: (error): CardFailure => {
          if (typeof error === "object" && error !== null && typeof (error as { _tag?: unknown })._tag === "string") return error as CardFailure;
          const code = codeOf(error);
          if (code === CKR.sessionHandleInvalid || code === CKR.deviceRemoved || code === CKR.tokenNotPresent) tokenSessions.delete(token);
          switch (code) {
            case CKR.pinIncorrect:
              return new PinIncorrect({ serial: token, secret: "pin" });
            case CKR.pinLocked:
              return new PinLocked({ serial: token, secret: "pin" });
            case CKR.userNotLoggedIn:
              return new PinRequired({ serial: token });
            case CKR.tokenNotPresent:
            case CKR.deviceRemoved:
              return new CardAbsent({ serial: token });
            default:
              return new DeviceFailure({ reason: error instanceof Error ? error.message : String(error) });
          }
        },
      });
    const findLabelled = (session: Buffer, objectClass: number, label: string): Buffer | undefined => {
      module.C_FindObjectsInit(session, [
        { type: pkcs11js.CKA_CLASS, value: objectClass },
        { type: pkcs11js.CKA_LABEL, value: label },
      ]);
      try {
        return module.C_FindObjects(session) ?? undefined;
      } finally {
        module.C_FindObjectsFinal(session);
      }
    };
    const tokenKeyOf = (session: Buffer, privateKey: Buffer, publicKey: Buffer): TokenKey => {
      const [parameters, point] = valuesOf(session, publicKey, [pkcs11js.CKA_EC_PARAMS, pkcs11js.CKA_EC_POINT]) as [Buffer, Buffer];
      const curve = (Object.keys(curves) as Array<ServiceKeyCurve>).find((name) => curves[name].parameters.equals(parameters));
      if (curve === undefined) throw new DeviceFailure({ reason: "the token's key is not on P-256 or P-384" });
      const { infoPrefix, pointLength } = curves[curve];
      const output = Buffer.alloc(256);
      return {
        curve,
        publicKey: new Uint8Array(Buffer.concat([infoPrefix, point.subarray(point.length - pointLength)])),
        // SoftHSM 2.6 has no CKM_ECDSA_SHA256: the caller hashes, the token signs the digest.
        signDigest: (digest) => {
          module.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey);
          return ecdsaSignatureToDer(module.C_Sign(session, Buffer.from(digest), output));
        },
      };
    };
    const keyTokens: KeyTokensShape = {
      login: (token, pin) =>
        onToken(token, () => {
          const slot = tokenSlotOf(token);
          if (slot === undefined) throw new CardAbsent({ serial: token });
          if (pinStateOf(module.C_GetTokenInfo(slot).flags).locked) throw new PinLocked({ serial: token, secret: "pin" });
          try {
            module.C_Login(tokenSessionOf(token), pkcs11js.CKU_USER, pin);
          } catch (error) {
            if (codeOf(error) !== CKR.userAlreadyLoggedIn) throw error;
          }
        }),
      initialisePin: (token, securityOfficerPin, pin) =>
        onToken(token, () => {
          const session = tokenSessionOf(token);
          module.C_Login(session, pkcs11js.CKU_SO, securityOfficerPin);
          try {
            module.C_InitPIN(session, pin);
          } finally {
            module.C_Logout(session);
          }
        }),
      findKey: (token, label) =>
        onToken(token, () => {
          const session = tokenSessionOf(token);
          const privateKey = findLabelled(session, pkcs11js.CKO_PRIVATE_KEY, label);
          const publicKey = findLabelled(session, pkcs11js.CKO_PUBLIC_KEY, label);
          return privateKey === undefined || publicKey === undefined ? undefined : tokenKeyOf(session, privateKey, publicKey);
        }),
      generateKey: (token, label, curve) =>
        onToken(token, () => {
          const session = tokenSessionOf(token);
          if (findLabelled(session, pkcs11js.CKO_PRIVATE_KEY, label) !== undefined)
            throw new DeviceFailure({ reason: `the token ${token} already holds a key ${label}` });
          const common = [
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_LABEL, value: label },
            { type: pkcs11js.CKA_ID, value: Buffer.from(label) },
          ];
          const keys = module.C_GenerateKeyPair(
            session,
            { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
            [
              ...common,
              { type: pkcs11js.CKA_PRIVATE, value: false },
              { type: pkcs11js.CKA_VERIFY, value: true },
              { type: pkcs11js.CKA_EC_PARAMS, value: curves[curve].parameters },
            ],
            [
              ...common,
              { type: pkcs11js.CKA_PRIVATE, value: true },
              { type: pkcs11js.CKA_SENSITIVE, value: true },
              { type: pkcs11js.CKA_EXTRACTABLE, value: false },
              { type: pkcs11js.CKA_SIGN, value: true },
            ],
          );
          return tokenKeyOf(session, keys.privateKey, keys.publicKey);
        }),
      readCertificate: (token, label) =>
        onToken(token, () => {
          const session = tokenSessionOf(token);
          const handle = findLabelled(session, pkcs11js.CKO_CERTIFICATE, label);
          if (handle === undefined) return undefined;
          const [value] = valuesOf(session, handle, [pkcs11js.CKA_VALUE]) as [Buffer];
          return new Uint8Array(value);
        }),
      writeCertificate: (token, label, der) =>
        onToken(token, () => {
          const session = tokenSessionOf(token);
          for (
            let old = findLabelled(session, pkcs11js.CKO_CERTIFICATE, label);
            old !== undefined;
            old = findLabelled(session, pkcs11js.CKO_CERTIFICATE, label)
          ) {
            module.C_DestroyObject(session, old);
          }
          module.C_CreateObject(session, [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
            { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_PRIVATE, value: false },
            { type: pkcs11js.CKA_LABEL, value: label },
            { type: pkcs11js.CKA_ID, value: Buffer.from(label) },
            { type: pkcs11js.CKA_SUBJECT, value: Buffer.from(subjectOf(der)) },
            { type: pkcs11js.CKA_VALUE, value: Buffer.from(der) },
          ]);
        }),
    };

    const driver: Driver = {
      list: Effect.try({
        try: () =>
          module
            .C_GetSlotList(true)
            .map((slot, index) => ({ slot: index, info: module.C_GetTokenInfo(slot) }))
            .filter(({ info }) => (info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0)
            .map(({ slot, info }) => ({ slot, serial: trimmed(info.serialNumber), label: trimmed(info.label), pin: pinStateOf(info.flags) })),
        catch: (error) => new DeviceFailure({ reason: String(error) }),
      }),
      pinState: (serial) => onCard(serial, () => pinStateOf(flagsOf(serial))),
      login: (serial, pin, loginOptions) =>
        onCard(serial, () => {
          const state = pinStateOf(flagsOf(serial));
          if (!state.initialised) throw new PinRejected({ serial, reason: "the PIN is not set: the card must be activated first" });
          if (state.locked) throw new PinLocked({ serial, secret: "pin" });
          if (state.finalTry && !(loginOptions?.evenIfFinalTry ?? false)) throw new PinFinalTry({ serial });
          const session = sessionOf(serial);
          // A token already logged in would answer CKR_USER_ALREADY_LOGGED_IN without checking this PIN:
          // log out first, so every login checks the PIN it is given (RGS pin.before-use).
          try {
            module.C_Logout(session);
          } catch (error) {
            if (codeOf(error) !== CKR.userNotLoggedIn) throw error;
          }
          loggedIn.delete(serial);
          for (const usage of ["authentication", "signature"]) signingKeys.delete(`${serial}/${usage}`);
          module.C_Login(session, pkcs11js.CKU_USER, pin);
          loggedIn.add(serial);
        }),
      logout: (serial) =>
        onCard(serial, () => {
          loggedIn.delete(serial);
          // A token forgets the handles of its private objects at logout (SoftHSM does): found again after the next login.
          for (const usage of ["authentication", "signature"]) signingKeys.delete(`${serial}/${usage}`);
          try {
            module.C_Logout(sessionOf(serial));
          } catch (error) {
            if (codeOf(error) !== CKR.userNotLoggedIn) throw error;
          }
        }),
      changePin: (serial, oldPin, newPin) =>
        onCard(serial, () => {
          const problem = pinProblem(newPin);
          if (problem !== undefined) throw new PinRejected({ serial, reason: problem });
          module.C_SetPIN(sessionOf(serial), oldPin, newPin);
        }),
      unblock: (serial, puk, newPin) =>
        onCard(
          serial,
          () => {
            const problem = pinProblem(newPin);
            if (problem !== undefined) throw new PinRejected({ serial, reason: problem });
            const session = sessionOf(serial);
            // The user and the security officer cannot be logged in at once on one token.
            if (loggedIn.delete(serial)) {
              module.C_Logout(session);
              for (const usage of ["authentication", "signature"]) signingKeys.delete(`${serial}/${usage}`);
            }
            module.C_Login(session, pkcs11js.CKU_SO, puk);
            try {
              module.C_InitPIN(session, newPin);
            } finally {
              module.C_Logout(session);
            }
          },
          "puk",
        ),
      generateKeyPair: (serial, usage, algorithm): Effect.Effect<GeneratedKey, CardFailure> =>
        onCard(serial, () => {
          requireLogin(serial);
          const session = sessionOf(serial);
          destroyAll(serial, session, usage);
          const common = [
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_ID, value: idOf(usage) },
            { type: pkcs11js.CKA_LABEL, value: usage },
          ];
          const privateTemplate = [
            ...common,
            { type: pkcs11js.CKA_PRIVATE, value: true },
            { type: pkcs11js.CKA_SENSITIVE, value: true },
            { type: pkcs11js.CKA_EXTRACTABLE, value: false },
            { type: pkcs11js.CKA_SIGN, value: true },
            // RGS 3*: the signature key asks for the PIN at every use.
            ...(usage === "signature" ? [{ type: pkcs11js.CKA_ALWAYS_AUTHENTICATE, value: true }] : []),
          ];
          const keys =
            algorithm === "P-256"
              ? module.C_GenerateKeyPair(
                  session,
                  { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
                  [...common, { type: pkcs11js.CKA_VERIFY, value: true }, { type: pkcs11js.CKA_EC_PARAMS, value: p256Parameters }],
                  privateTemplate,
                )
              : module.C_GenerateKeyPair(
                  session,
                  { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
                  [
                    ...common,
                    { type: pkcs11js.CKA_VERIFY, value: true },
                    { type: pkcs11js.CKA_MODULUS_BITS, value: algorithm === "RSA-3072" ? 3072 : 2048 },
                    { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
                  ],
                  privateTemplate,
                );
          return { usage, algorithm, publicKey: publicKeyInfo(session, keys.publicKey, algorithm) };
        }),
      writeCertificate: (serial, usage, der) =>
        onCard(serial, () => {
          requireLogin(serial);
          const session = sessionOf(serial);
          if (find(session, pkcs11js.CKO_PRIVATE_KEY, usage) === undefined) throw new KeyNotFound({ serial, usage });
          for (let old = find(session, pkcs11js.CKO_CERTIFICATE, usage); old !== undefined; old = find(session, pkcs11js.CKO_CERTIFICATE, usage)) {
            module.C_DestroyObject(session, old);
          }
          module.C_CreateObject(session, [
            { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
            { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_PRIVATE, value: false },
            { type: pkcs11js.CKA_ID, value: idOf(usage) },
            { type: pkcs11js.CKA_LABEL, value: usage },
            { type: pkcs11js.CKA_SUBJECT, value: Buffer.from(subjectOf(der)) },
            { type: pkcs11js.CKA_VALUE, value: Buffer.from(der) },
          ]);
        }),
      readCertificate: (serial, usage) =>
        onCard(serial, () => {
          const session = sessionOf(serial);
          const handle = find(session, pkcs11js.CKO_CERTIFICATE, usage);
          if (handle === undefined) throw new KeyNotFound({ serial, usage });
          const [value] = valuesOf(session, handle, [pkcs11js.CKA_VALUE]) as [Buffer];
          return new Uint8Array(value);
        }),
      sign: (serial, usage, data, pin) =>
        onCard(serial, () => {
          if (usage === "signature" && pin === undefined) throw new PinRequired({ serial });
          if (usage === "authentication") requireLogin(serial);
          const session = sessionOf(serial);
          if (usage === "signature" && !loggedIn.has(serial)) {
            const state = pinStateOf(flagsOf(serial));
            if (state.locked) throw new PinLocked({ serial, secret: "pin" });
            if (state.finalTry) throw new PinFinalTry({ serial });
            module.C_Login(session, pkcs11js.CKU_USER, pin as string);
            loggedIn.add(serial);
          }
          const { handle: key, ec } = signingKeyOf(serial, session, usage);
          if (ec) {
            module.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, key);
            if (usage === "signature") module.C_Login(session, pkcs11js.CKU_CONTEXT_SPECIFIC, pin as string);
            // The output buffer is reused: the signature is copied out into its DER form at once.
            return ecdsaSignatureToDer(module.C_Sign(session, createHash("sha256").update(data).digest(), signatureBuffer));
          }
          module.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key);
          if (usage === "signature") module.C_Login(session, pkcs11js.CKU_CONTEXT_SPECIFIC, pin as string);
          return new Uint8Array(module.C_Sign(session, Buffer.from(data), signatureBuffer));
        }),
      manufacture: ({ card, puk }) =>
        Effect.try({
          try: () => {
            const blank = module.C_GetSlotList(true).find((slot) => (module.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0);
            if (blank === undefined) throw new DeviceFailure({ reason: "no blank token to personalise" });
            // A token label holds 32 characters: the card id without its dashes.
            const label = card.replace(/-/g, "").slice(0, 32);
            module.C_InitToken(blank, puk, label.padEnd(32, " "));
            // Tokens may move to another slot once initialised (SoftHSM does): find it by its label.
            for (const slot of module.C_GetSlotList(true)) {
              const info = module.C_GetTokenInfo(slot);
              if (trimmed(info.label) === label) return { serial: trimmed(info.serialNumber) };
            }
            throw new DeviceFailure({ reason: "the personalised token disappeared" });
          },
          catch: (error) => (error instanceof DeviceFailure ? error : new DeviceFailure({ reason: String(error) })),
        }),
      keyTokens,
    };
    return driver;
  });

/** The driver as the smart-card port and the card manufacturer. */
export const layer = (options: Options): Layer.Layer<SmartCards | CardManufacturer, DeviceFailure> =>
  Layer.effectContext(
    Effect.map(make(options), (driver) => {
      const { manufacture, keyTokens: _keyTokens, ...port } = driver;
      return Context.make(SmartCards, SmartCards.of(port)).pipe(Context.add(CardManufacturer, CardManufacturer.of({ manufacture })));
    }),
  );

/** The driver as the HSM's service keys: the CA's and the audit trail's keys on a token of the module. */
export const keyTokensLayer = (options: Options): Layer.Layer<KeyTokens, DeviceFailure> =>
  Layer.effect(
    KeyTokens,
    Effect.map(make(options), (driver) => KeyTokens.of(driver.keyTokens)),
  );
