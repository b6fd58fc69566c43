import { SmartCards } from "@comedec/card";
import { Pkcs11 } from "@comedec/smartcard-pkcs11";
import { Effect } from "effect";

// The card reader's middleware (here SoftHSM2 from Debian's softhsm2 package, SOFTHSM2_CONF set).
const driver = Pkcs11.layer({ library: "/usr/lib/softhsm/libsofthsm2.so" });

const program = Effect.gen(function* () {
  const cards = yield* SmartCards;
  const present = yield* cards.list;
  return present.map((card) => `${card.serial} ${card.label} ${card.pin.locked ? "PIN locked" : card.pin.finalTry ? "last try" : "ok"}`);
});
console.log(await Effect.runPromise(Effect.provide(program, driver)));
