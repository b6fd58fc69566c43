/**
 * Bearer tokens on SQL. A token reads `cmdc_<id>.<secret>`: the id finds the row, the secret
 * (256 random bits) is compared with its stored SHA-256 in constant time. A fast hash is right for
 * a secret of that entropy; slow hashes are for what people choose.
 */
import { Actor } from "@comedec/actor";
import { Tokens } from "@comedec/rgs";
import { Effect, Layer, Schema } from "effect";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { Database } from "./internal/Database.js";
import { appendStandalone } from "./internal/EventLog.js";

const format = /^cmdc_([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;
const hashOf = (secret: string) => createHash("sha256").update(secret).digest();
const decodeActor = Schema.decodeUnknownSync(Actor.Actor);
const encodeActor = Schema.encodeSync(Actor.Actor);

/** The bearer tokens on the database. */
export const actorTokensLayer = Layer.effect(
  Tokens.ActorTokens,
  Effect.gen(function* () {
    const { db } = yield* Database;

    const issue = (actor: Actor.Actor, lifetimeDays: number, issuedBy: Actor.Actor) =>
      Effect.promise(async () => {
        const days = Math.min(Math.max(lifetimeDays, 1), Tokens.maximumLifetimeDays);
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

    const authenticate = (token: string) =>
      Effect.flatMap(
        Effect.promise(async () => {
          const match = format.exec(token);
          if (match === null) return undefined;
          const [, id, secret] = match as unknown as [string, string, string];
          const row = await db.selectFrom("actor_token").select(["secret_hash", "actor", "expires_at", "revoked_at"]).where("id", "=", id).executeTakeFirst();
          if (row === undefined || row.revoked_at !== null || new Date(row.expires_at).getTime() <= Date.now()) return undefined;
          return timingSafeEqual(Buffer.from(row.secret_hash), hashOf(secret)) ? decodeActor(row.actor) : undefined;
        }),
        (actor) => (actor === undefined ? Effect.fail(new Tokens.Unauthenticated({ reason: "unknown, expired or revoked token" })) : Effect.succeed(actor)),
      );

    const revoke = (id: string, revokedBy: Actor.Actor) =>
      Effect.promise(() =>
        db.transaction().execute(async (trx) => {
          const result = await trx
            .updateTable("actor_token")
            .set({ revoked_at: new Date() })
            .where("id", "=", id)
            .where("revoked_at", "is", null)
            .executeTakeFirst();
          if (result.numUpdatedRows === 0n) return false;
          await appendStandalone(trx, `token:${id}`, [{ type: "TokenRevoked", payload: { id } }], revokedBy, new Date());
          return true;
        }),
      );

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
