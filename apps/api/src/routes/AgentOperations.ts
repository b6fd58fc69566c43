/**
 * Handlers of the card operations driven through the card agent (ADR 0016): each runs its use case
 * of `@comedec/pgca`, then turns what the agent needs into single-use tickets for the caller's
 * session (`issue`): the PUK sealed for the agent's key at once (`sealFor`, never answered in
 * clear), the subjects the CA expects as DER names, the certificates to write back, and the text
 * the card's authentication key signs to prove it holds the certified keys.
 */
import type { CertificateRegistry, KeyOperations, Subject } from "@comedec/card";
import { Contract } from "@comedec/http-contract";
import { AgentPublication, AgentRenewal, type CardView, type Local, Unblocking } from "@comedec/pgca";
import { Authority, type CardAgentKey } from "@comedec/pki";
import { Effect } from "effect";
import { createPublicKey } from "node:crypto";
import * as Handler from "../Handler.js";
import { issue, sealFor, sessionOf } from "./CardAgent.js";

const { AgentOperations } = Contract;

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, /[-_]/.test(text) ? "base64url" : "base64"));

/** Checks the agent's sealing key before anything is done: an X25519 SubjectPublicKeyInfo. */
export const checkedAgentKey = (agentKey: string) =>
  Effect.suspend(() => {
    try {
      const key = createPublicKey({ key: Buffer.from(agentKey, "base64url"), format: "der", type: "spki" });
      if (key.asymmetricKeyType === "x25519") return Effect.succeed(agentKey);
      return Effect.fail(new AgentOperations.AgentKeyInvalid({ reason: `a ${key.asymmetricKeyType ?? "unknown"} key` }));
    } catch {
      return Effect.fail(new AgentOperations.AgentKeyInvalid({ reason: "not a SubjectPublicKeyInfo" }));
    }
  });

/** The subjects the CA expects in each CSR, as DER names (base64url) for the prepare-keys ticket. */
const subjectsOf = (subject: Subject) => {
  const names = Authority.subjectNamesDer(subject);
  return { authentication: base64url(names.authentication), signature: base64url(names.signature) };
};

/** The tickets that start (or resume) a key operation at the agent: the first PIN with the sealed PUK when there is one, then both key pairs. */
const startAnswer = Effect.fnUntraced(function* (
  session: string,
  started: {
    readonly card: CardView;
    readonly operation: KeyOperations.KeyOperation;
    readonly serial: string;
    readonly subject: Subject;
    readonly puk?: string;
  },
  agentKey: string | undefined,
) {
  const card = started.serial;
  const prepareKeys = yield* issue({
    session,
    operation: "prepare-keys",
    card,
    keyOperation: started.operation.id,
    algorithm: started.operation.algorithm,
    subjects: subjectsOf(started.subject),
  });
  const unblock =
    started.puk === undefined || agentKey === undefined
      ? undefined
      : yield* issue({ session, operation: "unblock", card, sealedSecret: sealFor(agentKey, started.puk, { session, card }) });
  return {
    card: started.card,
    keyOperation: started.operation.id,
    tickets: { prepareKeys: prepareKeys.ticket, ...(unblock === undefined ? {} : { unblock: unblock.ticket }) },
    expiresAt: prepareKeys.expiresAt,
  };
});

/** The certificates issued for the card's CSRs, with the tickets to write them back and to sign the proof. */
const certifiedAnswer = Effect.fnUntraced(function* (session: string, certified: { readonly operation: KeyOperations.KeyOperation; readonly serial: string }) {
  const { operation, serial } = certified;
  const issued = operation.certificates as Readonly<Record<"authentication" | "signature", KeyOperations.IssuedKey>>;
  const certificates = { authentication: base64url(issued.authentication.der), signature: base64url(issued.signature.der) };
  const toSign = operation.toSign as string;
  const write = yield* issue({ session, operation: "write-certificates", card: serial, keyOperation: operation.id, certificates });
  const proof = yield* issue({ session, operation: "login", card: serial, toSign });
  return { keyOperation: operation.id, certificates, tickets: { writeCertificates: write.ticket, proof: proof.ticket }, toSign, expiresAt: write.expiresAt };
});

const csrsOf = (body: { readonly csrs: { readonly authentication: string; readonly signature: string } }) => ({
  authentication: fromBase64(body.csrs.authentication),
  signature: fromBase64(body.csrs.signature),
});

const proofOf = (body: { readonly proof: string; readonly certificate: string }) => ({
  signature: fromBase64(body.proof),
  certificate: fromBase64(body.certificate),
});

const handOver = Handler.handle(AgentOperations.handOver, ({ grant, params, body, token }) =>
  Effect.gen(function* () {
    const agentKey = yield* checkedAgentKey(body.agentKey);
    const started = yield* AgentPublication.handOver(grant, params.id, body);
    return yield* startAnswer(sessionOf(token ?? ""), started, agentKey);
  }),
);

const resumeHandOver = Handler.handle(AgentOperations.resumeHandOver, ({ grant, params, body, token }) =>
  Effect.gen(function* () {
    const agentKey = yield* checkedAgentKey(body.agentKey);
    const resumed = yield* AgentPublication.resume(grant, params.id, body.reason);
    return yield* startAnswer(sessionOf(token ?? ""), resumed, agentKey);
  }),
);

const handOverCertificates = Handler.handle(AgentOperations.handOverCertificates, ({ grant, params, body, token }) =>
  Effect.flatMap(AgentPublication.certificateRequests(grant, params.id, csrsOf(body)), (certified) => certifiedAnswer(sessionOf(token ?? ""), certified)),
);

const confirmHandOver = Handler.handle(AgentOperations.confirmHandOver, ({ grant, params, body }) => AgentPublication.confirm(grant, params.id, proofOf(body)));

const renewCertificates = Handler.handle(AgentOperations.renewCertificates, ({ grant, params, body, token }) =>
  Effect.flatMap(AgentRenewal.start(grant, params.id, body), (started) => startAnswer(sessionOf(token ?? ""), started, undefined)),
);

const renewalCertificates = Handler.handle(AgentOperations.renewalCertificates, ({ grant, params, body, token }) =>
  Effect.flatMap(AgentRenewal.certificateRequests(grant, params.id, csrsOf(body)), (certified) => certifiedAnswer(sessionOf(token ?? ""), certified)),
);

const confirmRenewal = Handler.handle(AgentOperations.confirmRenewal, ({ grant, params, body }) => AgentRenewal.confirm(grant, params.id, proofOf(body)));

const pinBlocked = Handler.handle(AgentOperations.pinBlocked, ({ grant, params, body }) => Unblocking.recordBlock(grant, params.id, body.reason));

const unblockTicket = Handler.handle(AgentOperations.unblockTicket, ({ grant, params, body, token }) =>
  Effect.gen(function* () {
    const agentKey = yield* checkedAgentKey(body.agentKey);
    const authorised = yield* Unblocking.authoriseAtAgent(grant, params.id, body);
    const session = sessionOf(token ?? "");
    const card = authorised.serial;
    const { ticket, expiresAt } = yield* issue({ session, operation: "unblock", card, sealedSecret: sealFor(agentKey, authorised.puk, { session, card }) });
    return { card: authorised.card, ticket, expiresAt };
  }),
);

/** The handlers of the group. */
export const handlers: ReadonlyArray<Handler.Handler<CardAgentKey.CardAgentKey | KeyOperations.KeyOperations | CertificateRegistry | Local.Requirements>> = [
  handOver,
  resumeHandOver,
  handOverCertificates,
  confirmHandOver,
  renewCertificates,
  renewalCertificates,
  confirmRenewal,
  pinBlocked,
  unblockTicket,
];
