/**
 * Every refusal the console may meet, in French: each problem code of the contract (the platform's
 * endpoints) and of the card agent's local interface has its message here, and a test checks the
 * table against the OpenAPI document and the agent's refusals, so a new code cannot reach a
 * person as an English title. A message says what happened and, where it helps, what to do.
 */
import { Problem } from "@comedec/actor";

/** A refusal as the page shows it: its stable code and the sentence a person reads. */
export interface Refusal {
  readonly code: string;
  readonly message: string;
}

/** The French message of each problem code. */
export const messages: Readonly<Record<string, string>> = {
  // What any endpoint may answer.
  "invalid-request": "La demande n'est pas valide : vérifiez les champs du formulaire.",
  "malformed-json": "La demande est mal formée.",
  "body-too-large": "La demande est trop volumineuse.",
  "rate-limited": "Trop de tentatives depuis ce poste : patientez une minute avant de réessayer.",
  "not-found": "Cette ressource n'existe pas.",
  "internal-error": "Une erreur interne est survenue. Réessayez ; si elle persiste, signalez-la à l'exploitant.",
  "shutting-down": "La plateforme redémarre : réessayez dans quelques instants.",
  "database-unavailable": "La plateforme est momentanément indisponible : réessayez plus tard.",
  unauthenticated: "Votre session a pris fin : connectez-vous de nouveau.",
  forbidden: "Votre rôle ou votre site ne permet pas cette opération.",
  "stale-version": "La fiche a été modifiée entre-temps : rechargez-la avant de recommencer.",
  "illegal-transition": "Cette opération n'est pas possible dans l'état actuel.",
  "transition-role-not-allowed": "Votre rôle ne permet pas cette étape.",
  "rgs-rule-broken": "Refusé par une règle de la politique RGS 3 étoiles.",
  "dual-control-required": "Une seconde personne habilitée doit confirmer cette opération depuis sa propre session.",
  "own-rights-change": "Personne ne modifie ses propres droits.",
  // Communes and onboarding.
  "commune-not-found": "Commune inconnue.",
  "milestone-already-recorded": "Cette étape est déjà enregistrée.",
  "milestone-not-applicable": "Cette étape ne s'applique pas à cette commune.",
  "milestone-not-withdrawable": "Cette étape ne peut pas être retirée.",
  "milestone-prerequisite-missing": "Une étape préalable manque.",
  "milestone-recorded-by-operation": "Cette étape est enregistrée par une opération de la plateforme, pas à la main.",
  "milestone-role-not-allowed": "Votre rôle ne permet pas d'enregistrer cette étape.",
  "obligation-already-settled": "L'obligation ne peut plus changer.",
  "connection-date-after-deadline": "Une commune soumise à l'obligation doit être raccordée avant l'échéance.",
  "training-not-schedulable": "La formation ne peut pas être programmée maintenant.",
  "appointment-not-movable": "Le rendez-vous de remise ne peut pas être déplacé.",
  "appointments-refused": "Les rendez-vous n'ont pas pu être confirmés ; aucun n'a été enregistré.",
  "planning-refused": "La planification demandée n'est pas possible.",
  "first-cards-missing": "Les deux premières cartes de la commune ne sont pas commandées.",
  "conventions-not-validated": "Les deux conventions doivent être validées.",
  "convention-not-found": "Convention inconnue.",
  "invalid-convention-terms": "Les termes de la convention ne sont pas acceptables.",
  "editor-not-found": "Éditeur inconnu.",
  "editor-not-compatible": "Cet éditeur ne figure pas sur la liste des logiciels compatibles.",
  "editor-not-contracted": "L'éditeur n'a pas de contrat avec cette commune.",
  // The agents directory (AGAEC).
  "agent-not-found": "Agent inconnu.",
  "agent-illegal-transition": "Cette opération n'est pas possible dans l'état actuel de la fiche.",
  "document-check-required": "Un changement d'identité demande un nouveau contrôle de la pièce d'identité.",
  "document-not-acceptable": "La pièce d'identité n'est pas recevable (expirée, ou non vue en face à face).",
  "duplicate-person": "Cette personne a déjà une fiche active sur ce site.",
  "identity-mismatch": "L'identité ne correspond pas à la pièce contrôlée.",
  "impossible-birth-date": "La date de naissance n'est pas possible pour un agent.",
  "unknown-place-of-birth": "Le lieu de naissance n'est pas une commune connue.",
  "profile-not-allowed": "Le profil ne correspond pas à la fonction ou aux droits.",
  "import-rejected": "Des lignes sont invalides : rien n'a été importé.",
  // The cards (PGCA).
  "card-not-found": "Carte inconnue.",
  "card-request-not-found": "Demande inconnue.",
  "card-illegal-transition": "Cette opération n'est pas possible dans l'état actuel de la carte ou de la demande.",
  "card-party-not-allowed": "Vous ne pouvez pas faire cette étape pour cette carte.",
  "card-serial-mismatch": "Le numéro de série ne correspond pas à la carte expédiée.",
  "holder-not-active": "Le titulaire n'est pas actif dans l'annuaire.",
  "hand-over-document-mismatch": "La pièce présentée n'est pas celle contrôlée à l'enregistrement.",
  "activation-code-invalid": "Le code d'activation n'est pas valide.",
  "activation-letter-unavailable": "Le courrier d'activation a déjà été produit, ou il n'y a pas de code à envoyer.",
  "certificate-refused": "La demande de certificat a été refusée.",
  "already-answered": "Cette demande a déjà reçu une réponse.",
  "secret-answers-refused": "Les réponses aux questions secrètes ne permettent pas d'authentifier le titulaire.",
  "login-refused": "La connexion par carte a été refusée.",
  // The card operations through the card agent (hand-over, renewal of the certificates, unblock).
  "card-agent-key-invalid": "La clé de l'agent de carte n'est pas valide : relancez l'agent et recommencez.",
  "key-operation-not-found": "Aucune opération de l'agent de carte n'est en cours sur cette carte.",
  "key-operation-under-way": "Une opération de l'agent de carte est déjà en cours sur cette carte : reprenez-la.",
  "key-operation-out-of-step": "Cette étape ne suit pas l'état de l'opération en cours : reprenez-la.",
  "key-operation-proof-refused": "La carte n'a pas prouvé qu'elle détient les clés certifiées.",
  "self-unblock-refused":
    "Le déblocage à distance n'est pas possible pour cette carte (carte inconnue ou hors service, ou questions secrètes absentes ou saisies par un opérateur, ou délai dépassé) : recommencez, ou faites-la débloquer par le responsable carte de votre mairie.",
  // The card, through its reader.
  "pin-incorrect": "Code PIN erroné.",
  "pin-locked": "Le code PIN est bloqué : la carte doit être débloquée par le responsable carte.",
  "pin-final-try": "Attention : un nouveau code PIN erroné bloquerait la carte.",
  "pin-required": "La carte demande le code PIN.",
  "pin-rejected": "Le code PIN ne respecte pas les règles (chiffres, longueur).",
  "card-absent": "Aucune carte n'est insérée dans le lecteur.",
  "card-key-not-found": "La carte ne contient pas cette clé.",
  "card-device-failure": "La carte ou son lecteur ne répond pas correctement.",
  // Exchanges with the registers.
  "verification-request-not-found": "Demande de vérification inconnue.",
  "response-rejected": "La réponse signée n'est pas acceptée.",
  "specimen-file-refused": "Le fichier de spécimens ne peut pas être déposé maintenant.",
  // The card agent on the workstation.
  "agent-host-refused": "L'agent de carte refuse ce nom d'hôte : utilisez l'adresse 127.0.0.1.",
  "agent-origin-refused": "L'agent de carte n'est pas configuré pour cette console (--console-origin).",
  "agent-pairing-missing": "L'agent de carte n'est pas appairé avec cette page.",
  "agent-pairing-invalid": "L'appairage avec l'agent de carte n'est plus valide : recommencez.",
  "agent-ticket-invalid": "L'autorisation de l'opération n'est pas valide : recommencez.",
  "agent-ticket-other-session": "L'opération a été demandée par une autre session.",
  "agent-ticket-replayed": "Cette autorisation a déjà servi : recommencez l'opération.",
  "agent-certificate-mismatch": "Le certificat ne correspond pas à la clé de la carte.",
  "agent-sealed-secret-refused": "Le secret de déblocage n'est pas destiné à cet agent de carte.",
  "agent-card-not-chosen": "Plusieurs cartes sont insérées dans les lecteurs de ce poste : n'en laissez qu'une.",
  "agent-platform-unavailable": "L'agent de carte n'a pas pu joindre la plateforme.",
  // The console's own.
  unreachable: "La plateforme ne répond pas : vérifiez le réseau et réessayez.",
  "agent-unreachable": "L'agent de carte ne répond pas : vérifiez qu'il est lancé sur ce poste (comedec-card-agent).",
};

/** The refusal an error of a call stands for: its problem's code and French message. */
export const refusalOf = (error: unknown): Refusal => {
  const definition = error === undefined ? undefined : Problem.ofError(error);
  const code = definition?.code ?? "unreachable";
  return { code, message: withDetail(code, error) };
};

/** The refusal a problem+json body of the card agent stands for. */
export const refusalOfProblem = (problem: { readonly code?: unknown; readonly triesLeft?: unknown; readonly rule?: unknown }): Refusal => {
  const code = typeof problem.code === "string" && problem.code in messages ? problem.code : "internal-error";
  return { code, message: withDetail(code, problem) };
};

/** The message, with the one fact of the problem that helps the person (tries left, the RGS rule). */
const withDetail = (code: string, error: unknown): string => {
  const message = messages[code] ?? messages["internal-error"] ?? code;
  const fields = (typeof error === "object" && error !== null ? error : {}) as { readonly triesLeft?: unknown; readonly attemptsLeft?: unknown };
  const left = typeof fields.triesLeft === "number" ? fields.triesLeft : typeof fields.attemptsLeft === "number" ? fields.attemptsLeft : undefined;
  return left === undefined ? message : `${message} Essais restants : ${left}.`;
};
