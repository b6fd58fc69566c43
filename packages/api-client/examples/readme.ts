// Lists the software editors known to the platform with a token (COMEDEC_API, COMEDEC_TOKEN).
import { Caller } from "@comedec/api-client";
import { Contract } from "@comedec/http-contract";
import { Effect, Schema } from "effect";

class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", { reason: Schema.String }) {}

const { call } = Caller.make(
  { baseUrl: process.env.COMEDEC_API ?? "http://127.0.0.1:3000", token: process.env.COMEDEC_TOKEN ?? "" },
  (reason) => new Unavailable({ reason }),
);
const program = call(Contract.Editors.list, {}).pipe(
  Effect.map((editors) => `${editors.items.length} editors`),
  Effect.catchTag("Forbidden", (error) => Effect.succeed(`not allowed: ${error.reason}`)),
  Effect.catchTag("Unauthenticated", () => Effect.succeed("the token is not valid")),
);
console.log(await Effect.runPromise(program));
