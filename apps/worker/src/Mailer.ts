/**
 * Where notifications go out: SMTP through nodemailer in production; in embedded mode nowhere
 * further, since the platform's mailbox (`GET /mailbox`) already shows them.
 */
import type { Configuration } from "@comedec/platform";
import { Context, Effect, Layer, Redacted } from "effect";
import nodemailer from "nodemailer";

/** One message to send. */
export interface Message {
  readonly to: ReadonlyArray<string>;
  readonly subject: string;
  readonly text: string;
  /** Stable per notification, so a mail system that sees it twice can tell. */
  readonly messageId: string;
}

/** The mail a notification is delivered by. */
export class Mailer extends Context.Service<Mailer, { readonly send: (message: Message) => Effect.Effect<void, MailRefused> }>()("@comedec/worker/Mailer") {}

/** The SMTP server refused the message or could not be reached; the job is retried. */
export class MailRefused extends Error {
  readonly _tag = "MailRefused";
}

/** SMTP at `url` (`smtp://host:port`, `smtps://user:pass@host`), from `from`. */
export const smtp = (url: string, from: string): Layer.Layer<Mailer> =>
  Layer.sync(Mailer, () => {
    const transport = nodemailer.createTransport(url);
    return Mailer.of({
      send: (message) =>
        Effect.tryPromise({
          try: () => transport.sendMail({ from, to: [...message.to], subject: message.subject, text: message.text, messageId: message.messageId }),
          catch: (error) => new MailRefused(String(error)),
        }).pipe(Effect.asVoid),
    });
  });

/** Embedded mode: the mailbox of the API is the delivery. */
export const mailbox: Layer.Layer<Mailer> = Layer.succeed(Mailer, Mailer.of({ send: () => Effect.void }));

/** The mail of the configuration: SMTP to `COMEDEC_SMTP_URL` from `COMEDEC_MAIL_FROM` when set, else the platform's mailbox only. */
export const fromConfiguration = (mail: Configuration.Mail): { readonly layer: Layer.Layer<Mailer>; readonly description: string } =>
  mail.smtpUrl === undefined
    ? { layer: mailbox, description: "mail kept in the mailbox (GET /mailbox)" }
    : { layer: smtp(Redacted.value(mail.smtpUrl), mail.from), description: `mail by SMTP from ${mail.from}` };
