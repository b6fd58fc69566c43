import { Actor } from "@comedec/actor";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";

const prefecture = Actor.Actor.make({
  id: "pref-69",
  name: "Préfecture du Rhône",
  role: "prefecture-operator",
  site: { _tag: "prefecture", departement: "69" as never },
});

// Inside its département: a grant. Outside: a typed `Forbidden` naming the reason.
const lyon: Access.Target = { _tag: "commune", commune: "69123", departement: "69" };
const paris: Access.Target = { _tag: "commune", commune: "75056", departement: "75" };
const granted = await Effect.runPromise(Access.authorize(prefecture, "onboarding.read", lyon));
console.log(granted.permission); // "onboarding.read"
const refused = await Effect.runPromise(Effect.flip(Access.authorize(prefecture, "onboarding.read", paris)));
console.log(refused._tag, refused.reason); // "Forbidden" "outside the actor's site"
