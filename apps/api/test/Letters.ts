/**
 * The activation code, got the way its holder gets it: from the letter ANTS's mail room produces
 * once (`GET /cards/{id}/activation-letter`, or the use case), read back from its PDF. No test
 * reads a code from a mailbox: none is there.
 */
import type { Actor } from "@comedec/actor";
import { ActivationLetters } from "@comedec/pgca";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";

/** How a test sends a request: `app.request` in-process, or `fetch` on a running server's base. */
export type Send = (path: string, init: RequestInit) => Response | Promise<Response>;

/** Fetches the card's letter with a national administrator's token and gives the code it carries. */
export const codeFromLetter = async (send: Send, antsToken: string, card: string): Promise<string> => {
  const response = await send(`/cards/${card}/activation-letter`, { headers: { authorization: `Bearer ${antsToken}` } });
  if (response.status !== 200 || response.headers.get("content-type") !== "application/pdf") {
    throw new Error(`the letter of ${card}: ${response.status} ${await response.text()}`);
  }
  const code = ActivationLetters.codeOf(new Uint8Array(await response.arrayBuffer()));
  if (code === undefined) throw new Error(`the letter of ${card} carries no code`);
  return code;
};

/** The same through the use case, for the suites that call the platform directly. */
export const codeFromLetterOf = (ants: Actor.Actor, card: string) =>
  Effect.gen(function* () {
    const grant = yield* Access.authorize(ants, "card.produce", Access.nation);
    const code = ActivationLetters.codeOf(yield* ActivationLetters.produce(grant, card));
    if (code === undefined) return yield* Effect.die(new Error(`the letter of ${card} carries no code`));
    return code;
  }).pipe(Effect.orDie);
