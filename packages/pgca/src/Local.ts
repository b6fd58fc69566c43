/**
 * The card platform's façade for one actor: the `CardPlatform` port over the use cases. Each
 * operation authorises first (`Access.authorize`: on the commune when the operation names one,
 * on the listing's site, and otherwise over the nation, which the actor's reach narrows), then
 * calls the use case with the grant; the use case checks the grant and that the record it loads
 * lies within it. The use cases are modules of their own (`Ordering`, `Publication`, …).
 */
import type { Actor } from "@comedec/actor";
import type { AgentStore } from "@comedec/agent";
import type { CardManufacturer, CardNotifications, CardSecrets, CardStore, CertificateAuthority, SmartCards } from "@comedec/card";
import type { OnboardingStore } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect, Layer } from "effect";
import * as Ordering from "./Ordering.js";
import { CardPlatform } from "./Platform.js";
import * as Production from "./Production.js";
import * as Publication from "./Publication.js";
import * as Renewal from "./Renewal.js";
import * as Requests from "./Requests.js";
import * as Revocation from "./Revocation.js";
import * as SecretQuestions from "./SecretQuestions.js";
import * as Tracking from "./Tracking.js";

/** The services the card platform runs on. */
export type Requirements = CardStore | CardSecrets | CertificateAuthority | CardNotifications | SmartCards | CardManufacturer | AgentStore | OnboardingStore;

/** Builds the card platform for one actor. */
export const make = (actor: Actor.Actor) =>
  Effect.map(Effect.context<Requirements>(), (context) => {
    // Authorise, then run the use case with the grant, on the services the platform was built on.
    const granted =
      <P extends Access.Permission, T extends Access.Target>(permission: P, target: T) =>
      <A, E>(use: (grant: Access.Grant<P, T["_tag"]>) => Effect.Effect<A, E, Requirements>): Effect.Effect<A, E | Access.Forbidden> =>
        Effect.provideContext(Effect.flatMap(Access.authorize(actor, permission, target), use), context);
    const onCards = <P extends Access.Permission>(permission: P) => granted(permission, Access.nation);

    return CardPlatform.of({
      order: (input) => onCards("card.order")((grant) => Ordering.order(grant, input)),
      startProduction: (id, reason) => onCards("card.produce")((grant) => Production.startProduction(grant, id, reason)),
      ship: (id, reason) => onCards("card.produce")((grant) => Production.ship(grant, id, reason)),
      receive: (id, serial, reason) => onCards("card.operate")((grant) => Production.receive(grant, id, serial, reason)),
      triggerConnection: (commune, reason) => granted("card.produce", Access.communeTarget(commune))((grant) => Production.triggerConnection(grant, reason)),
      setSecretQuestions: (holder, questions) => onCards("card.operate")((grant) => SecretQuestions.set(grant, holder, questions)),
      secretQuestions: (holder) => onCards("card.operate")((grant) => SecretQuestions.questions(grant, holder)),
      approvePersonalisation: (id, reason) => onCards("card.operate")((grant) => Publication.approvePersonalisation(grant, id, reason)),
      revoke: (id, input) => onCards("card.operate")((grant) => Revocation.revoke(grant, id, input)),
      renew: (id, reason) => onCards("card.order")((grant) => Renewal.renew(grant, id, reason)),
      // The policy before any lookup: a caller who may not request learns nothing of the records.
      submitRequest: (input) => onCards("card.request")((grant) => Requests.submit(grant, input)),
      validateRequest: (id, reason) => onCards("card.validate")((grant) => Requests.validate(grant, id, reason)),
      rejectRequest: (id, reason) => onCards("card.validate")((grant) => Requests.reject(grant, id, reason)),
      cancelRequest: (id, reason) => onCards("card.request")((grant) => Requests.cancel(grant, id, reason)),
      card: (id) => onCards("card.read")((grant) => Tracking.card(grant, id)),
      request: (id) => onCards("card.read")((grant) => Tracking.request(grant, id)),
      holders: (filter) => granted("card.read", Tracking.targetOf(filter))((grant) => Tracking.holders(grant, filter)),
      requests: (filter, status) => granted("card.read", Tracking.targetOf(filter))((grant) => Tracking.requests(grant, filter, status)),
      expiring: (filter, days) => granted("card.read", Tracking.targetOf(filter))((grant) => Tracking.expiring(grant, filter, days)),
    });
  });

/** The card platform for one actor. */
export const layer = (actor: Actor.Actor): Layer.Layer<CardPlatform, never, Requirements> => Layer.effect(CardPlatform, make(actor));

/** Runs one use case of the card platform for an actor (what the API does per request). */
export const forActor = <A, E>(actor: Actor.Actor, use: (platform: typeof CardPlatform.Service) => Effect.Effect<A, E>) => Effect.flatMap(make(actor), use);
