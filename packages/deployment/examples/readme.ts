import { Actor } from "@comedec/actor";
import { Onboarding } from "@comedec/deployment";
import { Persistence } from "@comedec/persistence";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";

const prefecture = Actor.Actor.make({
  id: "pref-69",
  name: "Préfecture du Rhône",
  role: "prefecture-operator",
  site: { _tag: "prefecture", departement: "69" as never },
});

const program = Effect.gen(function* () {
  const grant = yield* Access.authorize(prefecture, "onboarding.read", { _tag: "commune", commune: "69123", departement: "69" });
  return yield* Onboarding.status(grant);
});

// In memory here; `Persistence.postgres({ connectionString })` in production.
const status = await Effect.runPromise(program.pipe(Effect.provide(Persistence.pglite()), Effect.result));
console.log(status); // CommuneNotFound until the reference list is imported
