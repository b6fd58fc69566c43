import { PgcaClient } from "@comedec/pgca-client";
import { Effect } from "effect";

const platform = PgcaClient.make({ baseUrl: process.env.COMEDEC_API ?? "http://127.0.0.1:3000", token: process.env.COMEDEC_TOKEN ?? "" });

const program = Effect.gen(function* () {
  const expiring = yield* platform.expiring({}, 60);
  return expiring.map((card) => `${card.state.id} ${card.state.certificates?.authentication.notAfter}`);
}).pipe(Effect.catchTag("Forbidden", (error) => Effect.succeed([`not allowed: ${error.reason}`])));
console.log(await Effect.runPromise(program));
