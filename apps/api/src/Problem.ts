/**
 * The one place where tagged errors become HTTP: RFC 9457 problem+json with a stable `code`.
 * Fields of the error travel as extension members, so a client can read which milestone is
 * missing or which state refused a transition. Defects never show a stack trace.
 */
import { problems as agentDirectoryProblems } from "@comedec/agaec";
import { problems as cardPlatformProblems } from "@comedec/pgca";

/** An HTTP problem. */
export interface Problem {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail?: string;
  readonly [extension: string]: unknown;
}

const byTag: Readonly<Record<string, { readonly status: number; readonly code: string; readonly title: string }>> = {
  ...agentDirectoryProblems,
  ...cardPlatformProblems,
  Unauthenticated: { status: 401, code: "unauthenticated", title: "Authentication required" },
  LoginRefused: { status: 401, code: "login-refused", title: "The card login was refused" },
  Forbidden: { status: 403, code: "forbidden", title: "Not allowed for this role or site" },
  MilestoneRoleNotAllowed: { status: 403, code: "milestone-role-not-allowed", title: "This role may not record this milestone" },
  EditorNotContracted: { status: 403, code: "editor-not-contracted", title: "The editor has no contract with this commune" },
  TransitionRoleNotAllowed: { status: 403, code: "transition-role-not-allowed", title: "This role may not fire this transition" },
  CommuneNotFound: { status: 404, code: "commune-not-found", title: "Unknown commune" },
  PlanningRefused: { status: 422, code: "planning-refused", title: "The planning cannot be done as asked" },
  ResponseRejected: { status: 422, code: "response-rejected", title: "The signed response is not accepted" },
  SpecimenFileRefused: { status: 409, code: "specimen-file-refused", title: "The specimen file cannot be taken now" },
  VerificationRequestNotFound: { status: 404, code: "verification-request-not-found", title: "Unknown verification request" },
  AlreadyAnswered: { status: 409, code: "already-answered", title: "The request was answered already" },
  AppointmentsRefused: { status: 422, code: "appointments-refused", title: "The appointments cannot be confirmed as sent; none was recorded" },
  ConventionNotFound: { status: 404, code: "convention-not-found", title: "Unknown convention" },
  EditorNotFound: { status: 404, code: "editor-not-found", title: "Unknown editor" },
  PrerequisiteMissing: { status: 409, code: "milestone-prerequisite-missing", title: "A prerequisite milestone is missing" },
  MilestoneAlreadyRecorded: { status: 409, code: "milestone-already-recorded", title: "The milestone is already recorded" },
  ObligationAlreadySettled: { status: 409, code: "obligation-already-settled", title: "The obligation can no longer change" },
  TrainingNotSchedulable: { status: 409, code: "training-not-schedulable", title: "The training cannot be scheduled now" },
  ConventionsNotValidated: { status: 409, code: "conventions-not-validated", title: "Both conventions must be validated" },
  IllegalTransition: { status: 409, code: "illegal-transition", title: "Transition not allowed from this state" },
  ConcurrentModification: { status: 409, code: "stale-version", title: "The resource changed since it was read" },
  MilestoneNotApplicable: { status: 422, code: "milestone-not-applicable", title: "The milestone does not apply to this commune" },
  EditorNotCompatible: { status: 422, code: "editor-not-compatible", title: "The editor is not on the list of compatible editors" },
  InvalidTerms: { status: 422, code: "invalid-convention-terms", title: "The convention's terms are not acceptable" },
};

const describe = (tag: string, fields: Record<string, unknown>): string | undefined => {
  switch (tag) {
    case "PrerequisiteMissing":
      return `${String(fields.milestone)} needs ${(fields.missing as ReadonlyArray<string>).join(", ")} first`;
    case "IllegalTransition":
      return `${String(fields.command)} is not allowed in state ${String(fields.state)} (allowed from: ${(fields.allowedFrom as ReadonlyArray<string>).join(", ")})`;
    case "CardIllegalTransition":
      return `${String(fields.command)} is not allowed in state ${String(fields.state)}: ${String(fields.rule)}`;
    case "CardPartyNotAllowed":
      return `${String(fields.command)} may not be fired by the ${String(fields.party)}: ${String(fields.rule)}`;
    case "FirstCardsMissing":
      return `not ordered yet: ${(fields.missing as ReadonlyArray<string>).join(", ")}`;
    case "PinIncorrect":
      return fields.triesLeft === undefined ? "wrong PIN" : `wrong ${String(fields.secret).toUpperCase()}: ${String(fields.triesLeft)} tries left`;
    case "Forbidden":
    case "DualControlRequired":
    case "PlanningRefused":
    case "AppointmentsRefused":
    case "ResponseRejected":
    case "SpecimenFileRefused":
    case "ActivationCodeInvalid":
    case "LoginRefused":
    case "SecretAnswersRefused":
    case "HolderNotActive":
    case "CertificateRefused":
    case "PinRejected":
    case "DocumentNotAcceptable":
    case "ProfileNotAllowed":
      return String(fields.reason);
    case "IdentityMismatch":
      return `${String(fields.field)} differs from the identity document`;
    default:
      return undefined;
  }
};

/** The problem for a tagged error of the domain, the policy or a port. */
export const fromError = (error: { readonly _tag: string }): Problem => {
  const known = byTag[error._tag];
  const { _tag, ...fields } = { ...error } as Record<string, unknown> & { _tag: string };
  delete fields.stack;
  if (known === undefined) return internal();
  const detail = describe(_tag, fields);
  return { ...fields, ...known, ...(detail === undefined ? {} : { detail }) };
};

/** A request that does not validate. */
export const invalidRequest = (detail: string): Problem => ({ status: 400, code: "invalid-request", title: "The request does not validate", detail });

/** A body that is not JSON. */
export const malformedJson = (): Problem => ({ status: 400, code: "malformed-json", title: "The body is not valid JSON" });

/** A body over the limit. */
export const bodyTooLarge = (limit: number): Problem => ({
  status: 413,
  code: "body-too-large",
  title: "The body is too large",
  detail: `at most ${limit} bytes`,
});

/** Too many requests of a kind from one client. */
export const rateLimited = (kind: string, windowSeconds: number): Problem => ({
  status: 429,
  code: "rate-limited",
  title: "Too many requests",
  detail: `too many ${kind} requests from this client: retry in ${windowSeconds} s`,
});

/** No such route. */
export const notFound = (): Problem => ({ status: 404, code: "not-found", title: "No such resource" });

/** Anything unexpected; the cause goes to the log, never to the client. */
export const internal = (): Problem => ({ status: 500, code: "internal-error", title: "Internal error" });

/** The server is stopping: the request was interrupted before it finished, and nothing of it was committed. */
export const shuttingDown = (): Problem => ({ status: 503, code: "shutting-down", title: "The server is shutting down; retry" });

/** The problem as a Response. */
export const toResponse = (problem: Problem): Response =>
  new Response(JSON.stringify({ type: `urn:comedec:problem:${problem.code}`, ...problem }), {
    status: problem.status,
    headers: { "content-type": "application/problem+json" },
  });
