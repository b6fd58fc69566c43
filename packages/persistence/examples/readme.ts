import { Actor } from "@comedec/actor";
import { CommuneDirectory, Commune, type InseeCode } from "@comedec/commune";
import { Persistence } from "@comedec/persistence";
import { Audit } from "@comedec/rgs";
import { Effect } from "effect";

const ants = Actor.Actor.make({ id: "ants-1", name: "Opératrice ANTS", role: "national-administrator", site: { _tag: "national" } });
const lyon = Commune.Commune.make({ code: "69123" as InseeCode.InseeCode, name: "Lyon", departement: "69" as never, region: "84", population: 520_000 });

const program = Effect.gen(function* () {
  const directory = yield* CommuneDirectory;
  yield* directory.importReference([lyon], ants);
  const found = yield* directory.search({ name: "LYÔN", limit: 10 }); // accents and case folded
  const audit = yield* Audit.AuditTrail.use((trail) => trail.verify);
  return { found: found.map((summary) => summary.commune.name), chainValid: audit.valid };
});

// Migrated on start. Embedded: Persistence.pglite({ dataDir: ".data/pglite" }).
const layer = process.env.DATABASE_URL ? Persistence.postgres({ connectionString: process.env.DATABASE_URL }) : Persistence.pglite();
console.log(await Effect.runPromise(program.pipe(Effect.provide(layer))));
