import { AgaecClient } from "@comedec/agaec-client";
import { Effect } from "effect";

const directory = AgaecClient.make({ baseUrl: process.env.COMEDEC_API ?? "http://127.0.0.1:3000", token: process.env.COMEDEC_TOKEN ?? "" });

const found = await Effect.runPromise(
  directory
    .search({ name: "martin", site: { _tag: "commune", commune: "69123" as never }, limit: 20 })
    .pipe(Effect.catchTag("Forbidden", (refusal) => Effect.succeed({ items: [], next: undefined, refusal: refusal.reason }))),
);
console.log(found.items.length);
