import { Actor } from "@comedec/actor";
import { AgentDirectory, Cards, Local } from "@comedec/agaec";
import { Persistence } from "@comedec/persistence";
import { Effect, Layer } from "effect";

const ants = Actor.Actor.make({ id: "ants-1", name: "Opératrice ANTS", role: "national-administrator", site: { _tag: "national" } });

const program = Effect.gen(function* () {
  const directory = yield* AgentDirectory;
  const page = yield* directory.search({ name: "dupre elo", limit: 20 });
  return page.items.map((item) => item.state.identity?.birthName);
});

const layer = Local.layer(ants).pipe(Layer.provide(Layer.merge(Persistence.pglite(), Cards.layerWithoutCardPlatform)));
console.log(await Effect.runPromise(program.pipe(Effect.provide(layer))));
