/**
 * Handlers of a holder's own unblock at a distance (ADR 0018). The holder has no session — their
 * card is locked — so the platform makes one for this walk only: a random agent session named in
 * a binding it signs with its card-agent key (`COMEDEC self-unblock` prefix: never taken for a
 * pairing or a ticket), with the pairing and the list-cards ticket for it. The binding is narrowed
 * to the card the agent read when its questions are asked, and the unblock ticket is issued for
 * that session and card only, the PUK sealed for the agent's key. Nothing is stored for the binding:
 * it is checked by its signature and expiry, and what it unlocks is bounded by the holder's answer
 * counter and the `code-entry` rate limit.
 */
import { Contract } from "@comedec/http-contract";
import type { AgentStore } from "@comedec/agent";
import { type CardSecrets, type CardStore, KeyOperations, SecretAnswersRefused } from "@comedec/card";
import { SelfUnblocking } from "@comedec/pgca";
import { CardAgentKey } from "@comedec/pki";
import { Clock, Effect, Schema } from "effect";
import { createPublicKey, randomBytes, verify } from "node:crypto";
import * as Handler from "../Handler.js";
import { checkedAgentKey } from "./AgentOperations.js";
import { issue, pair, sealFor, signed } from "./CardAgent.js";

const { SelfUnblock } = Contract;

type Binding = typeof SelfUnblock.BindingPayload.Type;

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const signedBytes = (part: string) => new TextEncoder().encode(`${SelfUnblock.bindingPrefix}${part}`);
const encodeBinding = Schema.encodeSync(SelfUnblock.BindingPayload);
const decodeBinding = Schema.decodeUnknownOption(SelfUnblock.BindingPayload);

const refuse = (reason: string) => new KeyOperations.SelfUnblockRefused({ reason });

/** Signs a binding with the card-agent key, under the binding's own prefix. */
const signBinding = (payload: Binding) => signed(encodeBinding(payload), signedBytes);

/** The binding a statement holds, if the platform signed it with its current key and it has not expired. */
const checkedBinding = (statement: string) =>
  Effect.gen(function* () {
    const key = yield* CardAgentKey.CardAgentKey;
    const [part = "", signature = ""] = statement.split(".");
    const genuine = verify("sha256", signedBytes(part), { key: createPublicKey(key.publicKey), dsaEncoding: "der" }, Buffer.from(signature, "base64url"));
    if (!genuine) return yield* refuse("the binding is not the platform's");
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    } catch {
      return yield* refuse("the binding is not the platform's");
    }
    const decoded = decodeBinding(json);
    if (decoded._tag === "None" || decoded.value.keyId !== key.keyId) return yield* refuse("the binding is not the platform's");
    if (Date.parse(decoded.value.expiresAt) <= (yield* Clock.currentTimeMillis)) return yield* refuse("the binding has expired: start again");
    return decoded.value;
  });

/** The holder's answers judged: a refusal never names the holder to a caller who has no session. */
const anonymous = (error: SecretAnswersRefused) => new SecretAnswersRefused({ holder: "", reason: error.reason, locked: error.locked });

const start = Handler.handle(SelfUnblock.start, ({ body }) =>
  Effect.gen(function* () {
    const key = yield* CardAgentKey.CardAgentKey;
    const now = yield* Clock.currentTimeMillis;
    // A fresh agent session, known only from the binding: the pairing and tickets name it.
    const session = base64url(randomBytes(32));
    const expiresAt = new Date(now + SelfUnblock.bindingMinutes * 60_000).toISOString();
    const binding = yield* signBinding({
      v: 1,
      kind: "self-unblock",
      keyId: key.keyId,
      session,
      origin: body.origin,
      issuedAt: new Date(now).toISOString(),
      expiresAt,
      nonce: base64url(randomBytes(16)),
    });
    const { pairing } = yield* pair(session, body.origin);
    const { ticket } = yield* issue({ session, operation: "list-cards" });
    return { binding, pairing, ticket, expiresAt };
  }),
);

const questions = Handler.handle(SelfUnblock.questions, ({ body }) =>
  Effect.gen(function* () {
    const binding = yield* checkedBinding(body.binding);
    if (binding.card !== undefined && binding.card !== body.serial) return yield* refuse("the binding was narrowed to another card");
    const found = yield* SelfUnblocking.questions(body.serial);
    if (found.locked) {
      return yield* new SecretAnswersRefused({ holder: "", reason: "too many wrong answers: the questions are locked until reset face to face", locked: true });
    }
    const now = yield* Clock.currentTimeMillis;
    const narrowed = yield* signBinding({ ...binding, card: body.serial, issuedAt: new Date(now).toISOString(), nonce: base64url(randomBytes(16)) });
    return { binding: narrowed, questions: found.questions, asked: SelfUnblock.questionsAsked };
  }),
);

const ticket = Handler.handle(SelfUnblock.ticket, ({ body }) =>
  Effect.gen(function* () {
    const binding = yield* checkedBinding(body.binding);
    const card = binding.card;
    if (card === undefined) return yield* refuse("the binding names no card yet: ask for the card's questions first");
    const agentKey = yield* checkedAgentKey(body.agentKey);
    const authorised = yield* SelfUnblocking.authorise(card, body.answers).pipe(
      Effect.catchTag("SecretAnswersRefused", (error) => Effect.fail(anonymous(error))),
    );
    const { session } = binding;
    return yield* issue({ session, operation: "unblock", card, sealedSecret: sealFor(agentKey, authorised.puk, { session, card }) });
  }),
);

/** The handlers of the group. */
export const handlers: ReadonlyArray<Handler.Handler<CardAgentKey.CardAgentKey | CardStore | CardSecrets | AgentStore>> = [start, questions, ticket];
