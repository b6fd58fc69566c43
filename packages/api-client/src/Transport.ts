/**
 * One actor's calls to the COMEDEC API, for the typed clients editors import: JSON in and out
 * with the bearer token, and every refusal turned back into the same tagged error the local use
 * case raises — the API's problem code names the tag, the problem's extension members are the
 * error's fields. Anything else (network, an unknown code) becomes the client's "unavailable" error.
 */
import { Effect } from "effect";

/** Where the API is and who calls it. */
export interface ClientOptions {
  /** The API's base URL, e.g. `https://comedec.example.gouv.fr`. */
  readonly baseUrl: string;
  /** The actor's bearer token (a card session or a machine account). */
  readonly token: string;
  /** A fetch implementation (tests, proxies); the global one by default. */
  readonly fetch?: typeof globalThis.fetch;
}

/** How a client reads refusals: the error class of each tag, the tag of each problem code, and its own "unavailable" error. */
export interface Refusals<U> {
  readonly errors: Readonly<Record<string, new (fields: never) => Error>>;
  readonly tagOfCode: ReadonlyMap<string, string>;
  readonly unavailable: (reason: string) => U;
}

/** The members every problem has; the others are the error's fields. */
const problemMembers = new Set(["type", "status", "code", "title", "detail", "instance"]);

/** The codes the API gives to the errors every module shares. */
export const sharedCodes: ReadonlyArray<readonly [string, string]> = [
  ["forbidden", "Forbidden"],
  ["stale-version", "ConcurrentModification"],
];

/** A caller for one actor: `call(method, path, body?)` answers the JSON body or fails with the tagged error. */
export const make =
  <U>(options: ClientOptions, refusals: Refusals<U>) =>
  (method: string, path: string, body?: unknown): Effect.Effect<unknown, any> => {
    const fetch = options.fetch ?? globalThis.fetch;
    const base = options.baseUrl.replace(/\/$/, "");
    return Effect.flatMap(
      Effect.tryPromise({
        try: async () => {
          const response = await fetch(`${base}${path}`, {
            method,
            headers: {
              authorization: `Bearer ${options.token}`,
              accept: "application/json",
              ...(body === undefined ? {} : { "content-type": "application/json" }),
            },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          const text = await response.text();
          return { status: response.status, body: text.length === 0 ? undefined : (JSON.parse(text) as unknown) };
        },
        catch: (error) => refusals.unavailable(error instanceof Error ? error.message : String(error)),
      }),
      (response): Effect.Effect<unknown, any> => {
        if (response.status < 400) return Effect.succeed(response.body);
        const problem = (response.body ?? {}) as Record<string, unknown>;
        const tag = refusals.tagOfCode.get(String(problem.code));
        const ErrorClass = tag === undefined ? undefined : refusals.errors[tag];
        if (ErrorClass === undefined) {
          return Effect.fail(refusals.unavailable(`HTTP ${response.status} ${String(problem.code ?? "")}: ${String(problem.detail ?? problem.title ?? "")}`));
        }
        const fields = Object.fromEntries(Object.entries(problem).filter(([key]) => !problemMembers.has(key)));
        return Effect.fail(new ErrorClass(fields as never));
      },
    );
  };
