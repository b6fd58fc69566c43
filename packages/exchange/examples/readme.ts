// A mairie's specimen file, the specimen requests the platform makes from it, and the answers
// the mairie's register gives: each one as the canonical bytes its officer signs.
import { InseeCode } from "@comedec/commune";
import { Response, Specimen } from "@comedec/exchange";
import { Schema } from "effect";

const myFile = Schema.decodeUnknownSync(Specimen.SpecimenFile)({
  trainedBy: "editor",
  acts: [
    {
      actType: "birth",
      actDate: "2001-03-04",
      reference: "N-2001-12",
      persons: [{ birthName: "DUPONT", givenNames: ["Léa", "Marie"], sex: "F", birthDate: "2001-03-04", birthPlace: "Lyon" }],
    },
    {
      actType: "death",
      actDate: "2020-11-30",
      reference: "D-2020-7",
      persons: [{ birthName: "BLANC", givenNames: ["Jean"], birthDate: "1931-02-03" }],
    },
  ],
});
const commune = Schema.decodeUnknownSync(InseeCode.InseeCode)("69123");

let next = 0;
for (const { request, expected } of Specimen.plan(myFile, commune, new Date(), () => `specimen-${++next}`)) {
  const outcome = Specimen.answer(myFile, commune, request); // what my register says
  const bytes = Response.toBytes({ request: request.id, commune, outcome }); // what the officer signs
  console.log(request.actReference, outcome._tag, Response.sameOutcome(outcome, expected) ? "as expected" : "unexpected", `${bytes.length} bytes`);
}
