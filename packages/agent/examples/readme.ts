import { Actor } from "@comedec/actor";
import { Agent } from "@comedec/agent";
import { Result, Schema } from "effect";

const registrar = Actor.Actor.make({ id: "rc-69123", name: "Alice Martin", role: "commune-operator", site: { _tag: "commune", commune: "69123" } });

const registration = Schema.decodeUnknownSync(Agent.Registration)({
  identity: { birthName: "Dupré", givenNames: ["Élodie"], sex: "F", birthDate: "1980-05-17", placeOfBirth: { _tag: "abroad", country: "BE", city: "Liège" } },
  document: {
    type: "passeport",
    number: "18AB12345",
    issuingAuthority: "Ambassade de France",
    expiresOn: "2031-01-01",
    holder: { birthName: "DUPRE", givenNames: ["Elodie"], birthDate: "1980-05-17" },
    check: { by: "rc-69123", on: "2026-03-09", faceToFace: true },
  },
  contact: { email: "elodie.dupre@mairie-lyon.fr" },
  site: { _tag: "commune", commune: "69123" },
  profile: { _tag: "agent" },
  rights: ["receive-requests", "sign-responses"],
});

// An agent d'état civil cannot sign: the rule answers with a tagged error, nothing is recorded.
const decision = Agent.decide(undefined, { _tag: "Register", id: "a-1", registration }, { actor: registrar, today: "2026-03-10" });
console.log(Result.isFailure(decision) && decision.failure._tag); // "ProfileNotAllowed"
