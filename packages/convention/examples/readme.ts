import { Actor } from "@comedec/actor";
import { Convention } from "@comedec/convention";
import { Result } from "effect";

const mairie = Actor.Actor.make({ id: "rc", name: "Alice Martin", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });
const terms: Convention.Terms = {
  commune: "69123" as Convention.Terms["commune"],
  kind: "CARTES",
  signatory: { name: "Maire de Lyon", quality: "maire" },
  signedOn: "2017-09-01",
  responsableCarte: { name: "Alice Martin", email: "alice@mairie-lyon.fr" },
  delegue: { name: "Bruno Petit", email: "bruno@mairie-lyon.fr" },
};

const submitted = Convention.decide(undefined, { _tag: "Submit", id: "conv-1", terms }, { actor: mairie, today: "2017-09-01" });
if (Result.isSuccess(submitted)) {
  const state = submitted.success.reduce<Convention.State | undefined>(Convention.evolve, undefined);
  console.log(state?.status); // "incomplete" until the signed copies are received
}
console.log(Convention.machine.transitions.length); // the table, as data
