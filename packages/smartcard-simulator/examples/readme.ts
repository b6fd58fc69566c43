import { Simulator } from "@comedec/smartcard-simulator";
import { Effect } from "effect";

const program = Effect.gen(function* () {
  const readers = yield* Simulator.make({ seed: "my-tests" });
  const { serial } = yield* readers.manufacture({ card: "card-1", puk: "8123456701", label: "Carte agent" });
  yield* readers.unblock(serial, "8123456701", "482915"); // the holder's first PIN
  yield* readers.login(serial, "482915");
  const key = yield* readers.generateKeyPair(serial, "signature", "P-256");
  const signature = yield* readers.sign(serial, "signature", new TextEncoder().encode("réponse"), "482915");
  return { serial, publicKeyBytes: key.publicKey.length, signatureBytes: signature.length };
});
console.log(await Effect.runPromise(program));
