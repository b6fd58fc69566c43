/**
 * Handlers of the login with the agent's card: a challenge, then its answer signed with the card's
 * authentication key opens a session; logout closes it. The first two are the only JSON routes
 * reachable without a token — they are how one gets a session; the current session says whom a
 * token acts for.
 */
import { Contract } from "@comedec/http-contract";
import { Login } from "@comedec/pgca";
import { Sessions as CardSessions } from "@comedec/rgs";
import { Effect } from "effect";
import * as Handler from "../Handler.js";

const { Sessions } = Contract;

const challenge = Handler.handle(Sessions.challenge, () =>
  Effect.map(Login.challenge, (issued) => ({
    id: issued.id,
    nonce: issued.nonce,
    expiresAt: issued.expiresAt.toISOString(),
    toSign: new TextDecoder().decode(CardSessions.signedText(issued)),
  })),
);

const open = Handler.handle(Sessions.open, ({ body }) =>
  Effect.map(
    Login.open({
      challenge: body.challenge,
      certificate: new Uint8Array(Buffer.from(body.certificate, "base64")),
      signature: new Uint8Array(Buffer.from(body.signature, "base64")),
    }),
    (session) => ({ token: session.token, expiresAt: session.expiresAt.toISOString(), actor: session.actor }),
  ),
);

const logout = Handler.handle(Sessions.logout, ({ body }) =>
  Effect.map(
    CardSessions.CardSessions.use((sessions) => sessions.close(body.token)),
    (closed) => ({ closed }),
  ),
);

// The actor the Handler authenticated: what the console narrows its screens to.
const current = Handler.handle(Sessions.current, ({ actor }) => Effect.succeed({ actor }));

/** The handlers of the group. */
export const handlers = [challenge, open, logout, current];
