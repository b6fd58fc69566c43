import { Actor, Site } from "@comedec/actor";
import { Schema } from "effect";

// Decode what arrives from outside (a token store, a request): bad input is a typed error.
const registrar = Schema.decodeUnknownSync(Actor.Actor)({
  id: "rc-69123",
  name: "Alice Martin",
  role: "commune-operator",
  site: { _tag: "commune", commune: "69123" },
});

console.log(Site.siteKey(registrar.site)); // "commune:69123"
console.log(Actor.roles); // the five roles, as data
