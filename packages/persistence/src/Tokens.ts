/**
 * Bearer tokens on SQL. A token reads `cmdc_<id>.<secret>`: the id finds the row, the secret
 * (256 random bits) is compared with its stored SHA-256 in constant time. A fast hash is right for
 * a secret of that entropy; slow hashes are for what people choose.
 */
import { Actor } from "@comedec/actor";
import { Tokens } from "@comedec/rgs";
import { Effect, Layer, Schema } from "effect";
import { hash, randomBytes, timingSafeEqual } from "node:crypto";
import { Database } from "./internal/Database.js";
import { appendStandalone } from "./internal/EventLog.js";

const format = /^cmdc_([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;
// One-shot `hash`: a hash object per request costs more than the hashing.
const hashOf = (secret: string) => hash("sha256", secret, "buffer");
const decodeActor = Schema.decodeUnknownSync(Actor.Actor);

/** How long a verified token is trusted without reading its row again. */
export const cacheMillis = 5_000;
const cacheEntries = 10_000;
const encodeActor = Schema.encodeSync(Actor.Actor);

/** The bearer tokens on the database. */
export const actorTokensLayer = Layer.effect(
  Tokens.ActorTokens,
  Effect.gen(function* () {
    const { db } = yield* Database;

    const issue = (holder: Actor.Actor, lifetimeDays: number, issuedBy: Actor.Actor, purpose: Tokens.Purpose) =>
      Effect.promise(async () => {
        // The purpose travels with the actor, so authorisation reads it where it reads the role.
        const actor = Actor.Actor.make({ ...holder, credential: purpose === "machine" ? "machine-token" : "bootstrap-token" });
        const days = Math.min(Math.max(lifetimeDays, 1), Tokens.maximumLifetimeDays[purpose]);
        const id = randomBytes(12).toString("base64url");
        const secret = randomBytes(32).toString("base64url");
        const expiresAt = new Date(Date.now() + days * 86_400_000);
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto("actor_token")
            .values({ id, secret_hash: hashOf(secret), actor: JSON.stringify(encodeActor(actor)), expires_at: expiresAt, revoked_at: null })
            .execute();
          await appendStandalone(
            trx,
            `token:${id}`,
            [{ type: "TokenIssued", payload: { id, actor: encodeActor(actor), expiresAt: expiresAt.toISOString() } }],
            issuedBy,
            new Date(),
          );
        });
        return { token: `cmdc_${id}.${secret}`, info: { id, actor, expiresAt, revokedAt: undefined } };
      });

    // A verified token is remembered for a few seconds: authentication otherwise costs one round
    // trip per request, as much as the request's own query. The price is that a revocation made by
    // another process takes effect there within `cacheMillis`; in this process, at once.
    const verified = new Map<string, { readonly secretHash: Buffer; readonly actor: Actor.Actor; readonly expiresAt: number; readonly until: number }>();

    /** The actor of a token verified lately, compared again in constant time; undefined when it must be read. */
    const remembered = (id: string, secret: string, now: number): { readonly actor: Actor.Actor | undefined } | undefined => {
      const cached = verified.get(id);
      if (cached === undefined || cached.until <= now || cached.expiresAt <= now) return undefined;
      return { actor: timingSafeEqual(cached.secretHash, hashOf(secret)) ? cached.actor : undefined };
    };

    const lookup = async (id: string, secret: string, now: number) => {
      const row = await db.selectFrom("actor_token").select(["secret_hash", "actor", "expires_at", "revoked_at"]).where("id", "=", id).executeTakeFirst();
      const expiresAt = row === undefined ? 0 : new Date(row.expires_at).getTime();
      if (row === undefined || row.revoked_at !== null || expiresAt <= now) return undefined;
      const secretHash = Buffer.from(row.secret_hash);
      if (!timingSafeEqual(secretHash, hashOf(secret))) return undefined;
      const actor = decodeActor(row.actor);
      if (verified.size >= cacheEntries) verified.clear();
      verified.set(id, { secretHash, actor, expiresAt, until: now + cacheMillis });
      return actor;
    };

    const refused = Effect.fail(new Tokens.Unauthenticated({ reason: "unknown, expired or revoked token" }));
    const actorOrRefused = (actor: Actor.Actor | undefined) => (actor === undefined ? refused : Effect.succeed(actor));

    // A token verified lately is answered without suspending the request (most requests: no round trip).
    const authenticate = (token: string) => {
      const match = format.exec(token);
      if (match === null) return refused;
      const [, id, secret] = match as unknown as [string, string, string];
      const now = Date.now();
      const known = remembered(id, secret, now);
      return known === undefined
        ? Effect.flatMap(
            Effect.promise(() => lookup(id, secret, now)),
            actorOrRefused,
          )
        : actorOrRefused(known.actor);
    };

    const revoke = (id: string, revokedBy: Actor.Actor) =>
      Effect.promise(async () => {
        const revoked = await db.transaction().execute(async (trx) => {
          const result = await trx
            .updateTable("actor_token")
            .set({ revoked_at: new Date() })
            .where("id", "=", id)
            .where("revoked_at", "is", null)
            .executeTakeFirst();
          if (result.numUpdatedRows === 0n) return false;
          await appendStandalone(trx, `token:${id}`, [{ type: "TokenRevoked", payload: { id } }], revokedBy, new Date());
          return true;
        });
        // After the commit, so no authentication running meanwhile can put the token back.
        verified.delete(id);
        return revoked;
      });

    const list = Effect.promise(async () => {
      const rows = await db.selectFrom("actor_token").select(["id", "actor", "expires_at", "revoked_at"]).orderBy("created_at").execute();
      return rows.map((row) => ({
        id: row.id,
        actor: decodeActor(row.actor),
        expiresAt: new Date(row.expires_at),
        revokedAt: row.revoked_at === null ? undefined : new Date(row.revoked_at),
      }));
    });

    return Tokens.ActorTokens.of({ issue, authenticate, revoke, list });
  }),
);
