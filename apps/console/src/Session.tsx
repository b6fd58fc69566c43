/**
 * The signed-in session, held in this page's memory only (ADR 0017): the bearer token lives in a
 * React state of this tab — never in localStorage, sessionStorage, a cookie or the URL — so no
 * other page, tab or extension's content script reads or replays it, and reloading the page signs
 * out. The console signs out by itself after `idleMinutes` without a key or a click, and when the
 * platform's session ends; the header shows both times.
 */
import type { Actor } from "@comedec/actor";
import type { Caller } from "@comedec/api-client";
import { Contract, type Endpoint } from "@comedec/http-contract";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import * as Api from "./Api.js";
import * as CardAgent from "./CardAgent.js";

/** Minutes without activity after which the console closes the session. */
export const idleMinutes = 15;

/** A session: its token, whom it acts for, how it was opened, and until when the platform honours it. */
export interface Session {
  readonly token: string;
  readonly actor: Actor.Actor;
  readonly kind: "card" | "bootstrap";
  /** The card it was opened with (card sessions). */
  readonly card?: string;
  /** When the platform ends it (card sessions: 30 minutes); unknown for a bootstrap token. */
  readonly expiresAt?: Date;
}

interface SessionContext {
  readonly session: Session | undefined;
  /** When the console will sign out for inactivity. */
  readonly idleUntil: Date | undefined;
  /** Why the last session ended by itself, for the sign-in page. */
  readonly ended: string | undefined;
  readonly signIn: (session: Session) => void;
  readonly signOut: (why?: string) => Promise<void>;
  /** The card agent's address on this workstation (127.0.0.1 by default), in memory too. */
  readonly agentUrl: string;
  readonly setAgentUrl: (url: string) => void;
}

const Context = createContext<SessionContext | undefined>(undefined);

/** The session of the page. */
export const useSession = (): SessionContext => {
  const context = useContext(Context);
  if (context === undefined) throw new Error("useSession outside SessionProvider");
  return context;
};

/** The signed-in session, for screens that are shown only then. */
export const useSignedIn = (): Session => {
  const { session } = useSession();
  if (session === undefined) throw new Error("useSignedIn without a session");
  return session;
};

/** Holds the session in memory and ends it on inactivity or expiry. */
export const SessionProvider = ({ children }: { readonly children: ReactNode }) => {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [idleUntil, setIdleUntil] = useState<Date | undefined>(undefined);
  const [ended, setEnded] = useState<string | undefined>(undefined);
  const [agentUrl, setAgentUrl] = useState<string>(CardAgent.defaultUrl);
  const current = useRef<Session | undefined>(undefined);
  current.current = session;

  const signOut = useCallback(async (why?: string) => {
    const closing = current.current;
    current.current = undefined;
    setSession(undefined);
    setIdleUntil(undefined);
    setEnded(why);
    // A card session is closed on the platform too; a bootstrap token stays valid until it expires or is revoked.
    if (closing?.kind === "card") await Api.call(Contract.Sessions.logout, { body: { token: closing.token } }, closing.token);
  }, []);

  const signIn = useCallback((opened: Session) => {
    setEnded(undefined);
    setSession(opened);
    setIdleUntil(new Date(Date.now() + idleMinutes * 60_000));
  }, []);

  // Activity pushes the idle deadline back; a check every few seconds ends the session past it or past its expiry.
  useEffect(() => {
    if (session === undefined) return;
    let last = 0;
    const touch = () => {
      const now = Date.now();
      if (now - last < 5_000) return;
      last = now;
      setIdleUntil(new Date(now + idleMinutes * 60_000));
    };
    const events = ["keydown", "pointerdown", "wheel"] as const;
    for (const event of events) window.addEventListener(event, touch, { passive: true });
    return () => {
      for (const event of events) window.removeEventListener(event, touch);
    };
  }, [session]);

  useEffect(() => {
    if (session === undefined || idleUntil === undefined) return;
    const timer = window.setInterval(() => {
      const now = Date.now();
      if (session.expiresAt !== undefined && now >= session.expiresAt.getTime())
        void signOut("Votre session a expiré : connectez-vous de nouveau avec votre carte.");
      else if (now >= idleUntil.getTime()) void signOut(`Vous avez été déconnecté après ${idleMinutes} minutes d'inactivité.`);
    }, 1_000);
    return () => window.clearInterval(timer);
  }, [session, idleUntil, signOut]);

  const value = useMemo(() => ({ session, idleUntil, ended, signIn, signOut, agentUrl, setAgentUrl }), [session, idleUntil, ended, signIn, signOut, agentUrl]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
};

/** A time of day in French (14 h 05). */
export const timeOfDay = (date: Date): string => date.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });

/** A call of the platform as the signed-in session. */
export type Call = <E extends Endpoint.Any>(endpoint: E, input: Caller.CallInput<E>) => Promise<Api.Outcome<Endpoint.SuccessOf<E>>>;

/** Calls as the session: any refusal that says the session is gone signs out; the others are the screen's to show. */
export const useCall = (): Call => {
  const { session, signOut } = useSession();
  return useCallback(
    async <E extends Endpoint.Any>(endpoint: E, input: Caller.CallInput<E>) => {
      const outcome = await Api.call(endpoint, input, session?.token);
      if (!outcome.ok && outcome.refusal.code === "unauthenticated") await signOut("Votre session a pris fin : connectez-vous de nouveau.");
      return outcome;
    },
    [session, signOut],
  );
};
