/**
 * @comedec/pgca — PGCA, the agents' card platform of COMEDEC: its use cases behind one port.
 */

/** The `CardPlatform` port, its inputs and refusals. */
export * from "./Platform.js";
/** The `CardPlatform` port for one actor: authorises, then calls the use cases below with the grant. */
export * as Local from "./Local.js";
/** Use case: order a card for a holder of the directory. */
export * as Ordering from "./Ordering.js";
/** Use cases: the card produced, shipped and received; a commune's connection triggered. */
export * as Production from "./Production.js";
/** Use case: ANTS's mail room produces, once, the letter that carries a card's activation code to its holder. */
export * as ActivationLetters from "./ActivationLetters.js";
/** Use case and decisions of a hand-over: the second person's approval, the checks and the commit of a publication. */
export * as Publication from "./Publication.js";
/** Use cases: the hand-over through the card agent at the desk — started, resumed, certified from the card's CSRs, confirmed by the card's proof. */
export * as AgentPublication from "./AgentPublication.js";
/** Use cases: new key pairs and certificates on an active card through the card agent. */
export * as AgentRenewal from "./AgentRenewal.js";
/** Use cases: a PIN block the card agent saw, recorded; an unblock authorised, its PUK given to seal for the agent. */
export * as Unblocking from "./Unblocking.js";
/** Use cases: a holder unblocks their own card at a distance, by the answers to the secret questions they set themselves (ADR 0018). */
export * as SelfUnblocking from "./SelfUnblocking.js";
/** Use case: a card revoked, under dual control for an operator's card. */
export * as Revocation from "./Revocation.js";
/** Use cases: a card replaced by a new one, and the record of a card's new certificates. */
export * as Renewal from "./Renewal.js";
/** Use cases: a holder's requests, validated, rejected or withdrawn. */
export * as Requests from "./Requests.js";
/** Use cases: a holder's secret questions set and read. */
export * as SecretQuestions from "./SecretQuestions.js";
/** Use cases: a card, a request, and the listings of a site. */
export * as Tracking from "./Tracking.js";
/** What a grant reaches among cards and requests, checked on the record loaded. */
export * as Reach from "./Reach.js";
/** Login with the agent's card: challenge, answer, session. */
export * as Login from "./Login.js";
/** `AgentCards` for the directory: deactivation suspends (certificates on hold), reactivation resumes, deletion revokes. */
export * as Holders from "./Holders.js";
/** Slow hashes of activation codes and secret answers. */
export * as Hashing from "./Hashing.js";
/** The RGS deadlines watched: revocations within 24 hours, CRLs never older than 24 hours. */
export * as Monitoring from "./Monitoring.js";
/** The points between two writes where a test may stop the process dead. */
export * as CrashPoints from "./CrashPoints.js";
/** Automatic certificate-renewal requests before expiry. */
export * as Renewals from "./Renewals.js";
/** The daily job's use case: cards whose certificates ended are expired, their pending requests cancelled. */
export * as Expiry from "./Expiry.js";
