import { Actor } from "@comedec/actor";
import { CardPlatform, Local } from "@comedec/pgca";
import { Effect } from "effect";

const operator = Actor.Actor.make({ id: "rc-69266", name: "Alice Roux", role: "commune-operator", site: { _tag: "commune", commune: "69266" } });

// The platform's ports come from the adapters (persistence, PKI, a smart-card driver): see apps/api's Platform.services.
export const orderACard = (holder: string) =>
  Effect.gen(function* () {
    const platform = yield* CardPlatform;
    const card = yield* platform.order({ holder, reason: "nouvel agent d'état civil" });
    return card.state.status; // "ordered"
  }).pipe(Effect.provide(Local.layer(operator)));
