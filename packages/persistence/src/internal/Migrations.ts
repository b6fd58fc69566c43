/**
 * Schema migrations, in code so the same list runs on PGlite and PostgreSQL. Never edit a
 * migration that has shipped: add the next one.
 */
import { type Kysely, sql } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";

/** A migration that runs its statements in order (the migrator wraps each migration in a transaction). */
const fromStatements = (statements: ReadonlyArray<string>): Migration => ({
  async up(db: Kysely<unknown>) {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
});

// One statement per entry: PGlite's extended protocol takes a single command per query.
const initialStatements: ReadonlyArray<string> = [
  `CREATE TABLE commune (
        code text PRIMARY KEY,
        name text NOT NULL,
        search_name text NOT NULL,
        departement text NOT NULL,
        region text NOT NULL,
        population integer NOT NULL CHECK (population >= 0),
        latitude double precision,
        longitude double precision,
        removed_at timestamptz,
        onboarding_version integer NOT NULL DEFAULT 0,
        onboarding_state jsonb,
        under_obligation boolean NOT NULL DEFAULT false,
        reached text[] NOT NULL DEFAULT '{}',
        late_from date
      );`,
  `CREATE INDEX commune_search_name ON commune (search_name text_pattern_ops);`,
  `CREATE INDEX commune_departement ON commune (departement, code);`,
  `CREATE INDEX commune_region ON commune (region, code);`,
  `CREATE INDEX commune_late_from ON commune (late_from) WHERE late_from IS NOT NULL;`,
  `CREATE INDEX commune_reached ON commune USING gin (reached);`,
  `CREATE TABLE convention (
        id uuid PRIMARY KEY,
        commune text NOT NULL REFERENCES commune (code),
        kind text NOT NULL,
        status text NOT NULL,
        version integer NOT NULL,
        state jsonb NOT NULL
      );`,
  `CREATE INDEX convention_commune ON convention (commune);`,
  `CREATE TABLE software_editor (
        id text PRIMARY KEY,
        name text NOT NULL,
        contact_email text NOT NULL,
        compatible boolean NOT NULL,
        version integer NOT NULL
      );`,
  `CREATE TABLE actor_token (
        id text PRIMARY KEY,
        secret_hash bytea NOT NULL,
        actor jsonb NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
  `-- The audit trail: one append-only log of every event, each row chained to the previous
      -- one by SHA-256 (hash = sha256(previous_hash || position || digest of the row's content)).
      CREATE TABLE event_log (
        position bigint PRIMARY KEY,
        stream text NOT NULL,
        stream_version integer NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        actor_id text NOT NULL,
        actor_role text NOT NULL,
        site text NOT NULL,
        recorded_at timestamptz NOT NULL,
        previous_hash bytea NOT NULL,
        hash bytea NOT NULL,
        UNIQUE (stream, stream_version)
      );`,
  `CREATE TABLE event_log_head (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        position bigint NOT NULL,
        hash bytea NOT NULL
      );`,
  `INSERT INTO event_log_head VALUES (true, 0, decode(repeat('00', 32), 'hex'));`,
  `CREATE FUNCTION event_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'event_log is append-only';
      END $$;`,
  `CREATE TRIGGER event_log_append_only BEFORE UPDATE OR DELETE ON event_log
        FOR EACH ROW EXECUTE FUNCTION event_log_refuse_change();`,
  `-- Appends events to one stream and to the chain, in the caller's transaction. The head row
      -- is locked after the aggregate's own row, so concurrent writers serialise only on commit.
      CREATE FUNCTION append_events(p_stream text, p_first_version integer, p_events jsonb)
      RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE
        event jsonb;
        version integer := p_first_version;
        head_position bigint;
        head_hash bytea;
        previous bytea;
      BEGIN
        SELECT position, hash INTO head_position, head_hash FROM event_log_head FOR UPDATE;
        FOR event IN SELECT value FROM jsonb_array_elements(p_events) LOOP
          previous := head_hash;
          head_position := head_position + 1;
          head_hash := sha256(previous || int8send(head_position) || decode(event->>'digest', 'hex'));
          INSERT INTO event_log (position, stream, stream_version, event_type, payload, actor_id, actor_role, site, recorded_at, previous_hash, hash)
          VALUES (head_position, p_stream, version, event->>'type', event->'payload', event->>'actorId', event->>'actorRole',
                  event->>'site', (event->>'recordedAt')::timestamptz, previous, head_hash);
          version := version + 1;
        END LOOP;
        UPDATE event_log_head SET position = head_position, hash = head_hash;
        RETURN head_position;
      END $$;`,
];

const initial = fromStatements(initialStatements);
// The agents directory (AGAEC). Personal data lives in `state` only, erased on deletion along
// with `salt`, which keyed the digests the event log keeps instead of the data itself.
const agentStatements: ReadonlyArray<string> = [
  `CREATE TABLE agent (
        id uuid PRIMARY KEY,
        site_key text NOT NULL,
        departement text NOT NULL,
        status text NOT NULL,
        profile text,
        person_key text,
        sort_name text COLLATE "C" NOT NULL,
        search_name text NOT NULL,
        version integer NOT NULL,
        state jsonb NOT NULL,
        salt bytea
      );`,
  `CREATE UNIQUE INDEX agent_active_person ON agent (site_key, person_key) WHERE status = 'active';`,
  `CREATE INDEX agent_by_site ON agent (site_key, sort_name, id);`,
  `CREATE INDEX agent_by_departement ON agent (departement, sort_name, id);`,
  `CREATE INDEX agent_by_name ON agent (sort_name, id);`,
  `-- One row per word of an agent's names, with the columns a search filters and sorts on, so a
      -- name search is answered from this table's indexes alone (the first word's prefix picks the
      -- rows, the other words are checked on search_name) and touches only the page it returns.
      CREATE TABLE agent_name (
        word text COLLATE "C" NOT NULL,
        agent_id uuid NOT NULL REFERENCES agent (id) ON DELETE CASCADE,
        site_key text NOT NULL,
        departement text NOT NULL,
        status text NOT NULL,
        profile text,
        sort_name text COLLATE "C" NOT NULL,
        search_name text NOT NULL,
        PRIMARY KEY (agent_id, word)
      );`,
  `CREATE INDEX agent_name_by_word ON agent_name (word, sort_name, agent_id) INCLUDE (status, profile, search_name);`,
  `CREATE INDEX agent_name_by_site ON agent_name (site_key, word, sort_name, agent_id) INCLUDE (status, profile, search_name);`,
  `CREATE INDEX agent_name_by_departement ON agent_name (departement, word, sort_name, agent_id) INCLUDE (status, profile, search_name);`,
  `CREATE FUNCTION agent_name_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM agent_name WHERE agent_id = NEW.id;
        INSERT INTO agent_name (word, agent_id, site_key, departement, status, profile, sort_name, search_name)
          SELECT DISTINCT word, NEW.id, NEW.site_key, NEW.departement, NEW.status, NEW.profile, NEW.sort_name, NEW.search_name
          FROM regexp_split_to_table(NEW.search_name, ' +') AS word WHERE word <> '';
        RETURN NEW;
      END $$;`,
  `CREATE TRIGGER agent_name_on_insert AFTER INSERT ON agent FOR EACH ROW EXECUTE FUNCTION agent_name_refresh();`,
  `CREATE TRIGGER agent_name_on_update AFTER UPDATE ON agent
        FOR EACH ROW WHEN ((OLD.search_name, OLD.sort_name, OLD.status, OLD.profile) IS DISTINCT FROM (NEW.search_name, NEW.sort_name, NEW.status, NEW.profile))
        EXECUTE FUNCTION agent_name_refresh();`,
  `-- Appends the events of many new streams under one lock of the head (bulk imports): the same
      -- chain as append_events, without taking and updating the head row once per stream.
      CREATE FUNCTION append_event_batch(p_batch jsonb)
      RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE
        entry jsonb;
        event jsonb;
        version integer;
        head_position bigint;
        head_hash bytea;
        previous bytea;
      BEGIN
        SELECT position, hash INTO head_position, head_hash FROM event_log_head FOR UPDATE;
        FOR entry IN SELECT value FROM jsonb_array_elements(p_batch) LOOP
          version := (entry->>'firstVersion')::integer;
          FOR event IN SELECT value FROM jsonb_array_elements(entry->'events') LOOP
            previous := head_hash;
            head_position := head_position + 1;
            head_hash := sha256(previous || int8send(head_position) || decode(event->>'digest', 'hex'));
            INSERT INTO event_log (position, stream, stream_version, event_type, payload, actor_id, actor_role, site, recorded_at, previous_hash, hash)
            VALUES (head_position, entry->>'stream', version, event->>'type', event->'payload', event->>'actorId', event->>'actorRole',
                    event->>'site', (event->>'recordedAt')::timestamptz, previous, head_hash);
            version := version + 1;
          END LOOP;
        END LOOP;
        UPDATE event_log_head SET position = head_position, hash = head_hash;
        RETURN head_position;
      END $$;`,
  `-- One chaining loop, not two: a single stream's append is a batch of one.
      CREATE OR REPLACE FUNCTION append_events(p_stream text, p_first_version integer, p_events jsonb)
      RETURNS bigint LANGUAGE sql AS $$
        SELECT append_event_batch(jsonb_build_array(jsonb_build_object('stream', p_stream, 'firstVersion', p_first_version, 'events', p_events)))
      $$;`,
];

const agents = fromStatements(agentStatements);

// The card platform (PGCA): cards and requests (state as JSON, the columns listings filter on),
// the secrets kept apart from them (activation codes, secret answers, PUKs), the PKI's register
// of certificates, and the notification outbox.
const cardStatements: ReadonlyArray<string> = [
  `CREATE TABLE card (
        id uuid PRIMARY KEY,
        holder uuid NOT NULL,
        site_key text NOT NULL,
        departement text NOT NULL,
        status text NOT NULL,
        first_card text,
        expires_at timestamptz,
        version integer NOT NULL,
        state jsonb NOT NULL
      );`,
  `CREATE INDEX card_by_site ON card (site_key, holder, id);`,
  `CREATE INDEX card_by_departement ON card (departement, holder, id);`,
  `CREATE INDEX card_by_holder ON card (holder, id);`,
  `CREATE INDEX card_expiring ON card (expires_at) WHERE status IN ('active', 'pin-blocked');`,
  `-- A commune has one card of each first-card kind that is not revoked: two prefectures' operators
      -- ordering the responsable carte's card at once cannot both succeed.
      CREATE UNIQUE INDEX card_first_of_commune ON card (site_key, first_card) WHERE first_card IS NOT NULL AND status NOT IN ('revoked', 'expired', 'replaced');`,
  `CREATE TABLE card_request (
        id uuid PRIMARY KEY,
        holder uuid NOT NULL,
        site_key text NOT NULL,
        departement text NOT NULL,
        status text NOT NULL,
        version integer NOT NULL,
        state jsonb NOT NULL
      );`,
  `CREATE INDEX card_request_by_site ON card_request (site_key, status, id);`,
  `CREATE INDEX card_request_by_departement ON card_request (departement, status, id);`,
  `CREATE INDEX card_request_by_holder ON card_request (holder, status, id);`,
  `CREATE TABLE activation_code (
        card uuid PRIMARY KEY REFERENCES card (id),
        hash bytea NOT NULL,
        salt bytea NOT NULL,
        attempts_left integer NOT NULL CHECK (attempts_left >= 0),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        audit_version integer NOT NULL
      );`,
  `CREATE TABLE holder_secret (
        holder uuid PRIMARY KEY,
        questions jsonb NOT NULL,
        answer_hashes jsonb NOT NULL,
        salt bytea NOT NULL,
        failures integer NOT NULL DEFAULT 0,
        audit_version integer NOT NULL
      );`,
  `CREATE TABLE card_puk (
        card uuid PRIMARY KEY REFERENCES card (id),
        sealed bytea NOT NULL
      );`,
  `CREATE TABLE certificate (
        serial text PRIMARY KEY,
        card uuid NOT NULL,
        holder uuid NOT NULL,
        usage text NOT NULL,
        not_after timestamptz NOT NULL,
        der bytea NOT NULL,
        revoked_at timestamptz,
        revocation_reason text
      );`,
  `CREATE INDEX certificate_revoked ON certificate (not_after) WHERE revoked_at IS NOT NULL;`,
  `CREATE INDEX certificate_by_card ON certificate (card);`,
  `CREATE SEQUENCE crl_number;`,
  `CREATE TABLE crl (
        number bigint PRIMARY KEY,
        this_update timestamptz NOT NULL,
        next_update timestamptz NOT NULL,
        entries integer NOT NULL,
        der bytea NOT NULL
      );`,
  `CREATE TABLE notification (
        id bigserial PRIMARY KEY,
        site_key text NOT NULL,
        kind text NOT NULL,
        sealed bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      );`,
  `CREATE INDEX notification_by_site ON notification (site_key, id DESC);`,
  `CREATE INDEX notification_unsent ON notification (id) WHERE sent_at IS NULL;`,
];

const cards = fromStatements(cardStatements);

// Login with the card: single-use challenges and server-side sessions bound to a certificate.
const sessionStatements: ReadonlyArray<string> = [
  `CREATE TABLE login_challenge (
        id uuid PRIMARY KEY,
        nonce text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );`,
  `CREATE INDEX login_challenge_expiry ON login_challenge (expires_at);`,
  `CREATE TABLE card_session (
        id uuid PRIMARY KEY,
        secret_hash bytea NOT NULL,
        actor jsonb NOT NULL,
        certificate_serial text NOT NULL REFERENCES certificate (serial),
        expires_at timestamptz NOT NULL,
        closed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
  `CREATE INDEX card_session_certificate ON card_session (certificate_serial);`,
];

const sessions = fromStatements(sessionStatements);

const checkpointStatements: ReadonlyArray<string> = [
  `-- The head of the chain at a moment, signed with the platform's audit key: whoever rewrites the
      -- whole chain after it cannot sign the new head.
      CREATE TABLE audit_checkpoint (
        position bigint PRIMARY KEY,
        hash bytea NOT NULL,
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        signature bytea NOT NULL
      );`,
  `CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
        FOR EACH ROW EXECUTE FUNCTION event_log_refuse_change();`,
];

const checkpoints = fromStatements(checkpointStatements);

const retentionStatements: ReadonlyArray<string> = [
  `-- The append-only guards let one thing through: the retention purge, which says so for its own
      -- transaction (purge_expired). Whoever can set that can also switch the triggers off; the
      -- signed checkpoints are what make a rewrite visible.
      CREATE OR REPLACE FUNCTION event_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('comedec.purge', true) = 'retention' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
      END $$;`,
  `-- An agent's registration file (identity, document and how it was checked, profile, rights),
      -- kept when the directory erases a deleted agent, for 10 years after their last certificate
      -- expires (RGS v2.0 annexe A2, §5.5.2), then purged.
      CREATE TABLE registration_file (
        agent uuid PRIMARY KEY,
        site_key text NOT NULL,
        state jsonb NOT NULL,
        archived_at timestamptz NOT NULL DEFAULT now(),
        kept_until timestamptz NOT NULL
      );`,
  `CREATE INDEX registration_file_expiry ON registration_file (kept_until);`,
  `CREATE FUNCTION archive_registration_file() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO registration_file (agent, site_key, state, kept_until)
        VALUES (OLD.id, OLD.site_key, OLD.state,
                greatest(now(), coalesce((SELECT max(not_after) FROM certificate WHERE holder = OLD.id), now())) + interval '10 years')
        ON CONFLICT (agent) DO NOTHING;
        RETURN NEW;
      END $$;`,
  `CREATE TRIGGER agent_archive_on_deletion BEFORE UPDATE ON agent
        FOR EACH ROW WHEN (NEW.status = 'deleted' AND OLD.status <> 'deleted')
        EXECUTE FUNCTION archive_registration_file();`,
  `CREATE INDEX certificate_expiry ON certificate (not_after);`,
  `CREATE INDEX card_session_expiry ON card_session (expires_at);`,
  `-- Deletes what has outlived its retention on the day given, in one transaction:
      --  * the event log up to the newest signed checkpoint older than 7 years (the checkpoint
      --    stays, as the anchor verification starts from);
      --  * registration files past their date; certificates 5 years after they expire, and CRLs
      --    5 years after their next update (never the latest);
      --  * login challenges and card sessions a day after they end (their opening and closing
      --    are in the event log).
      CREATE FUNCTION purge_expired(p_on timestamptz) RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        anchor bigint;
        report jsonb := '{}'::jsonb;
        counted bigint;
      BEGIN
        PERFORM set_config('comedec.purge', 'retention', true);
        SELECT c.position INTO anchor FROM audit_checkpoint c JOIN event_log e ON e.position = c.position
          WHERE e.recorded_at < p_on - interval '7 years' ORDER BY c.position DESC LIMIT 1;
        IF anchor IS NOT NULL THEN
          DELETE FROM event_log WHERE position <= anchor;
          GET DIAGNOSTICS counted = ROW_COUNT;
          DELETE FROM audit_checkpoint WHERE position < anchor;
        ELSE
          counted := 0;
        END IF;
        report := report || jsonb_build_object('eventLog', counted);
        DELETE FROM registration_file WHERE kept_until < p_on;
        GET DIAGNOSTICS counted = ROW_COUNT;
        report := report || jsonb_build_object('registrationFiles', counted);
        DELETE FROM card_session WHERE expires_at < p_on - interval '1 day';
        GET DIAGNOSTICS counted = ROW_COUNT;
        report := report || jsonb_build_object('sessions', counted);
        DELETE FROM login_challenge WHERE expires_at < p_on - interval '1 day';
        GET DIAGNOSTICS counted = ROW_COUNT;
        report := report || jsonb_build_object('loginChallenges', counted);
        DELETE FROM certificate c WHERE c.not_after < p_on - interval '5 years'
          AND NOT EXISTS (SELECT 1 FROM card_session s WHERE s.certificate_serial = c.serial);
        GET DIAGNOSTICS counted = ROW_COUNT;
        report := report || jsonb_build_object('certificates', counted);
        DELETE FROM crl WHERE next_update < p_on - interval '5 years' AND number < (SELECT max(number) FROM crl);
        GET DIAGNOSTICS counted = ROW_COUNT;
        report := report || jsonb_build_object('crls', counted);
        PERFORM set_config('comedec.purge', '', true);
        RETURN report;
      END $$;`,
];

const retention = fromStatements(retentionStatements);

const outboxStatements: ReadonlyArray<string> = [
  `-- A notification the worker made from an event names it, so replaying the event log makes it once.
      ALTER TABLE notification ADD COLUMN source text UNIQUE;`,
  `-- How far each consumer of the event log (the worker's outbox) has read.
      CREATE TABLE event_consumer (
        name text PRIMARY KEY,
        position bigint NOT NULL
      );`,
];

const outbox = fromStatements(outboxStatements);

const exchangeStatements: ReadonlyArray<string> = [
  `-- The specimen file a mairie sent for its connection test (fictitious acts only).
      CREATE TABLE specimen_file (
        commune text PRIMARY KEY,
        file jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      );`,
  `-- Verification requests; a specimen one keeps the outcome its right answer gives.
      CREATE TABLE exchange_request (
        id text PRIMARY KEY,
        commune text NOT NULL,
        specimen boolean NOT NULL,
        request jsonb NOT NULL,
        expected jsonb,
        issued_at timestamptz NOT NULL,
        answered_at timestamptz
      );`,
  `CREATE INDEX exchange_request_pending ON exchange_request (commune, issued_at, id) WHERE answered_at IS NULL;`,
  `CREATE INDEX exchange_request_specimen ON exchange_request (commune) WHERE specimen;`,
  `-- The responses accepted, with the signed message as received.
      CREATE TABLE exchange_response (
        request text PRIMARY KEY REFERENCES exchange_request (id) ON DELETE CASCADE,
        commune text NOT NULL,
        outcome jsonb NOT NULL,
        signed bytea NOT NULL,
        signer text NOT NULL,
        certificate_serial text NOT NULL,
        signed_at timestamptz NOT NULL,
        passed boolean NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      );`,
  `-- Signed messages do not compress: stored as they are, without a try at it.
      ALTER TABLE exchange_response ALTER COLUMN signed SET STORAGE EXTERNAL;`,
];

const exchange = fromStatements(exchangeStatements);

// An audit trail its database administrator cannot quietly rewrite (ADR 0001, 0009): checkpoints
// carry the Merkle root of the entries they cover and the digest of their predecessor (they are
// published outside the database too); deletions of the log only from within the purge function,
// which takes its periods from the policy; TRUNCATE refused.
const auditTrailStatements: ReadonlyArray<string> = [
  `ALTER TABLE audit_checkpoint ADD COLUMN root_hash bytea;`,
  `ALTER TABLE audit_checkpoint ADD COLUMN previous bytea;`,
  `-- The roots of the perfect subtrees the entries up to the checkpoint split into (RFC 9162 tree),
      -- hex, largest first: what the tree needs of the entries a purge deletes.
      ALTER TABLE audit_checkpoint ADD COLUMN frontier jsonb;`,
  `-- No session flag lets a deletion through any more: only a DELETE run by purge_retained, as the
      -- call stack shows. Whoever can replace that function or switch triggers off owns the database;
      -- the checkpoints published outside it are what make their rewrite visible.
      CREATE OR REPLACE FUNCTION event_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        stack text;
      BEGIN
        IF TG_OP = 'DELETE' THEN
          GET DIAGNOSTICS stack = PG_CONTEXT;
          IF strpos(stack, 'function purge_retained(') > 0 OR strpos(stack, 'function public.purge_retained(') > 0 THEN
            RETURN OLD;
          END IF;
        END IF;
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
      END $$;`,
  `CREATE TRIGGER event_log_no_truncate BEFORE TRUNCATE ON event_log
        FOR EACH STATEMENT EXECUTE FUNCTION event_log_refuse_change();`,
  `CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
        FOR EACH STATEMENT EXECUTE FUNCTION event_log_refuse_change();`,
  `CREATE TRIGGER event_log_head_no_truncate BEFORE TRUNCATE ON event_log_head
        FOR EACH STATEMENT EXECUTE FUNCTION event_log_refuse_change();`,
  `DROP FUNCTION purge_expired(timestamptz);`,
  `-- The registration file keeps the day its retention runs from (the expiry of the holder's last
      -- certificate); how long it runs is the policy's, given to the purge. The files archived so far
      -- were given their end date with the 10 years of the policy at the time: moved back once.
      ALTER TABLE registration_file RENAME COLUMN kept_until TO retained_from;`,
  `UPDATE registration_file SET retained_from = retained_from - interval '10 years';`,
  `CREATE OR REPLACE FUNCTION archive_registration_file() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO registration_file (agent, site_key, state, retained_from)
        VALUES (OLD.id, OLD.site_key, OLD.state,
                greatest(now(), coalesce((SELECT max(not_after) FROM certificate WHERE holder = OLD.id), now())))
        ON CONFLICT (agent) DO NOTHING;
        RETURN NEW;
      END $$;`,
  `-- Deletes what has outlived its retention on the day given, with the periods of the policy
      -- (p_periods: eventLogYears, registrationFileYears, certificateYears, sessionDays), in the
      -- caller's transaction, which records what it removed and up to where (RetentionPurged):
      --  * the event log up to the newest checkpoint with a tree older than the period (it stays,
      --    as the anchor verification starts from; its frontier carries the tree on);
      --  * registration files, certificates (5 years after expiry), CRLs (never the latest);
      --  * login challenges and card sessions once over.
      CREATE FUNCTION purge_retained(p_on timestamptz, p_periods jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        anchor bigint;
        report jsonb := '{}'::jsonb;
        counted bigint;
        certificates_before timestamptz := p_on - make_interval(years => (p_periods->>'certificateYears')::int);
      BEGIN
        SELECT c.position INTO anchor FROM audit_checkpoint c JOIN event_log e ON e.position = c.position
          WHERE c.root_hash IS NOT NULL AND e.recorded_at < p_on - make_interval(years => (p_periods->>'eventLogYears')::int)
          ORDER BY c.position DESC LIMIT 1;
        IF anchor IS NOT NULL THEN
          DELETE FROM event_log WHERE position <= anchor;
          GET DIAGNOSTICS counted = ROW_COUNT;
          DELETE FROM audit_checkpoint WHERE position < anchor;
        ELSE
          counted := 0;
        END IF;
        report := report || jsonb_build_object('eventLog', counted, 'eventLogUpTo', CASE WHEN counted > 0 THEN anchor END);
        DELETE FROM registration_file WHERE retained_from < p_on - make_interval(years => (p_periods->>'registrationFileYears')::int);
        GET DIAGNOSTICS counted = ROW_COUNT;
        report := report || jsonb_build_object('registrationFiles', counted);
        DELETE FROM card_session WHERE expires_at < p_on - make_interval(days => (p_periods->>'sessionDays')::int);
        GET DIAGNOSTICS counted = ROW_COUNT;
        report := report || jsonb_build_object('sessions', counted);
        DELETE FROM login_challenge WHERE expires_at < p_on - make_interval(days => (p_periods->>'sessionDays')::int);
        GET DIAGNOSTICS counted = ROW_COUNT;
        report := report || jsonb_build_object('loginChallenges', counted);
        DELETE FROM certificate c WHERE c.not_after < certificates_before
          AND NOT EXISTS (SELECT 1 FROM card_session s WHERE s.certificate_serial = c.serial);
        GET DIAGNOSTICS counted = ROW_COUNT;
        report := report || jsonb_build_object('certificates', counted);
        DELETE FROM crl WHERE next_update < certificates_before AND number < (SELECT max(number) FROM crl);
        GET DIAGNOSTICS counted = ROW_COUNT;
        report := report || jsonb_build_object('crls', counted);
        RETURN report;
      END $$;`,
  `-- The certificates whose card is revoked or whose holder is deleted but which are not revoked
      -- themselves yet (the process stopped between the two writes): the CRL and OCSP count them
      -- revoked from the card's or the agent's event, and the reconciliation job revokes them.
      CREATE VIEW certificate_withdrawn AS
        SELECT c.serial, c.card, c.holder, 'card-revoked'::text AS cause,
               coalesce((SELECT max(e.recorded_at) FROM event_log e WHERE e.stream = 'card:' || k.id::text AND e.event_type = 'CardRevoked'),
                        (k.state->'revocation'->>'on')::date::timestamptz, now()) AS since,
               coalesce(k.state->'revocation'->>'reason', 'unspecified') AS reason
          FROM certificate c JOIN card k ON k.id = c.card AND k.status = 'revoked'
          WHERE c.revoked_at IS NULL
        UNION ALL
        SELECT c.serial, c.card, c.holder, 'agent-deleted'::text,
               coalesce((SELECT max(e.recorded_at) FROM event_log e WHERE e.stream = 'agent:' || a.id::text AND e.event_type = 'AgentDeleted'),
                        (a.state->>'deletedOn')::date::timestamptz, now()),
               'cessationOfOperation'
          FROM certificate c JOIN agent a ON a.id = c.holder AND a.status = 'deleted'
          WHERE c.revoked_at IS NULL;`,
];

const auditTrail = fromStatements(auditTrailStatements);

// Rate limits shared by every API instance: a counter per key (kind of limit and client address)
// and fixed window, counted by one upsert; a row lives one window.
const rateLimitStatements: ReadonlyArray<string> = [
  `CREATE TABLE rate_limit_counter (
      key text NOT NULL,
      window_start timestamptz NOT NULL,
      resets_at timestamptz NOT NULL,
      hits integer NOT NULL CHECK (hits > 0),
      PRIMARY KEY (key, window_start)
    )`,
  "CREATE INDEX rate_limit_counter_resets_at ON rate_limit_counter (resets_at)",
];

const rateLimits = fromStatements(rateLimitStatements);

// Activation codes reach only their holder: the code in clear is kept sealed only until its letter
// is produced, then erased; the mailbox entries that carried codes in clear are removed (a card
// shipped before needs a new code: its letter cannot be made from a hash).
const activationLetterStatements: ReadonlyArray<string> = [
  "ALTER TABLE activation_code ADD COLUMN letter bytea, ADD COLUMN letter_produced_at timestamptz",
  "DELETE FROM notification WHERE kind = 'activation-code'",
];

const activationLetters = fromStatements(activationLetterStatements);

// Who set a holder's secret questions: an operator who set them could answer them, so their
// answers never make the holder the second person of that operator's own revocation.
const questionsSetByStatements: ReadonlyArray<string> = ["ALTER TABLE holder_secret ADD COLUMN set_by text"];

const questionsSetBy = fromStatements(questionsSetByStatements);

// The operations the card agent carries out at the workstation (ADR 0016): a hand-over or a
// renewal of certificates, kept from its start to the card's proof, at most one open per card;
// the certificates issued for its CSRs are kept with it, so a retry with the same keys gets them.
const keyOperationStatements: ReadonlyArray<string> = [
  `CREATE TABLE key_operation (
      id uuid PRIMARY KEY,
      card uuid NOT NULL REFERENCES card (id),
      purpose text NOT NULL CHECK (purpose IN ('hand-over', 'certificate-renewal')),
      status text NOT NULL CHECK (status IN ('started', 'certified', 'completed', 'abandoned')),
      algorithm text NOT NULL,
      started_by text NOT NULL,
      reason text NOT NULL,
      hand_over jsonb,
      certificates jsonb,
      to_sign text,
      version integer NOT NULL CHECK (version > 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  "CREATE UNIQUE INDEX key_operation_open ON key_operation (card) WHERE status IN ('started', 'certified')",
];

const keyOperations = fromStatements(keyOperationStatements);

// A holder unblocks their own card at a distance from its serial, read at the card agent (ADR 0018):
// the card in force that bears it is found through this index, not by a scan of every card.
const cardBySerialStatements: ReadonlyArray<string> = [
  "CREATE INDEX card_in_force_by_serial ON card ((state->>'serial')) WHERE status IN ('active', 'pin-blocked')",
];

const cardBySerial = fromStatements(cardBySerialStatements);

// Holders at the national site (ANTS's own administrators, ADR 0018): their agents, cards and
// requests belong to no département, so no prefecture's listing finds them; the column is empty
// for that site and for it only.
const nationalSiteStatements: ReadonlyArray<string> = ["agent", "agent_name", "card", "card_request"].flatMap((table) => [
  `ALTER TABLE ${table} ALTER COLUMN departement DROP NOT NULL`,
  `ALTER TABLE ${table} ADD CONSTRAINT ${table}_departement_of_site CHECK ((departement IS NULL) = (site_key = 'national'))`,
]);

const nationalSite = fromStatements(nationalSiteStatements);

// ANTS's queue of conventions across communes, oldest submission first: each convention keeps
// when it was submitted (taken from its first event for those already there) and its position in
// the order of submission, the queue's cursor (a timestamp's precision differs between the database
// and a client, an integer's does not).
const conventionQueueStatements: ReadonlyArray<string> = [
  "ALTER TABLE convention ADD COLUMN submitted_at timestamptz NOT NULL DEFAULT now()",
  `UPDATE convention c SET submitted_at = e.recorded_at FROM event_log e
      WHERE e.stream = 'convention:' || c.id::text AND e.stream_version = 1`,
  "ALTER TABLE convention ADD COLUMN position bigint GENERATED ALWAYS AS IDENTITY",
  "CREATE UNIQUE INDEX convention_position ON convention (position)",
  "CREATE INDEX convention_queue ON convention (status, position)",
];

const conventionQueue = fromStatements(conventionQueueStatements);

// The dashboard's counts kept as tallies (ADR 0023): one row per département, region, first late
// day and first milestone's day with its communes, those under the obligation, connected, and
// the milestones they reached; one row per département, region and milestone with the communes
// that reached it. Triggers on the commune table keep them in the writer's transaction, so a
// reading is never behind a write acknowledged; the dashboard reads a few hundred rows, not 35,000
// communes. An insert or a delete (an import) is tallied once for the statement, from its rows; an
// update row by row, when it changes what is counted, and before the row is written: a milestone
// write moves its counts before it takes the event log's head (append_events), which every
// write waits for, so the tally adds nothing to that wait. 'infinity' stands for "never late" and
// "not started" (a key has no NULL).
const tallyKey = (rows: string) => `
      SELECT departement, region, coalesce(late_from, 'infinity') AS late_from,
             commune_tally_start(reached, onboarding_state) AS started_on,
             under_obligation, reached
      FROM ${rows} WHERE removed_at IS NULL`;

/** The two tally upserts for the rows a statement left (`added`) and those it replaced (`taken`). */
const tallyChange = (added: string | undefined, taken: string | undefined) => {
  const signed = [
    ...(added === undefined ? [] : [`SELECT 1 AS sign, * FROM (${tallyKey(added)}) AS a`]),
    ...(taken === undefined ? [] : [`SELECT -1 AS sign, * FROM (${tallyKey(taken)}) AS t`]),
  ].join(" UNION ALL ");
  // Rows are locked in key order, so two statements never wait on each other crosswise.
  return `
        WITH change AS (${signed}),
        delta AS (
          SELECT departement, region, late_from, started_on, sum(sign)::int AS communes,
                 sum(sign) FILTER (WHERE under_obligation)::int AS under_obligation,
                 sum(sign) FILTER (WHERE 'connected' = ANY (reached))::int AS connected,
                 sum(sign * cardinality(reached))::int AS milestones
          FROM change GROUP BY 1, 2, 3, 4
        )
        INSERT INTO commune_tally (departement, region, late_from, started_on, communes, under_obligation, connected, milestones)
          SELECT departement, region, late_from, started_on, communes, coalesce(under_obligation, 0), coalesce(connected, 0), milestones FROM delta
          WHERE (communes, coalesce(under_obligation, 0), coalesce(connected, 0), milestones) <> (0, 0, 0, 0)
          ORDER BY 1, 2, 3, 4
        ON CONFLICT (departement, region, late_from, started_on) DO UPDATE SET
          communes = commune_tally.communes + excluded.communes, under_obligation = commune_tally.under_obligation + excluded.under_obligation,
          connected = commune_tally.connected + excluded.connected, milestones = commune_tally.milestones + excluded.milestones;
        WITH change AS (${signed}),
        delta AS (SELECT departement, region, milestone, sum(sign)::int AS communes FROM change, unnest(reached) AS milestone GROUP BY 1, 2, 3)
        INSERT INTO commune_milestone_tally (departement, region, milestone, communes)
          SELECT departement, region, milestone, communes FROM delta WHERE communes <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (departement, region, milestone) DO UPDATE SET communes = commune_milestone_tally.communes + excluded.communes;`;
};

const tallyTrigger = (name: string, body: string) => `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN${body}
        RETURN NULL;
      END $$;`;

const communeTallyStatements: ReadonlyArray<string> = [
  `CREATE TABLE commune_tally (
        departement text NOT NULL,
        region text NOT NULL,
        late_from date NOT NULL,
        started_on date NOT NULL,
        communes integer NOT NULL,
        under_obligation integer NOT NULL,
        connected integer NOT NULL,
        milestones integer NOT NULL,
        PRIMARY KEY (departement, region, late_from, started_on)
      )`,
  `CREATE TABLE commune_milestone_tally (
        departement text NOT NULL,
        region text NOT NULL,
        milestone text NOT NULL,
        communes integer NOT NULL,
        PRIMARY KEY (departement, region, milestone)
      )`,
  `-- The first milestone's UTC day, as the forecast reads it (instants are ISO 8601 and sort as text); 'infinity' when none.
      CREATE FUNCTION commune_tally_start(p_reached text[], p_state jsonb) RETURNS date LANGUAGE sql STABLE AS $$
        SELECT CASE WHEN cardinality(p_reached) > 0
                    THEN coalesce((SELECT left(min(value->>'at'), 10) FROM jsonb_each(p_state->'milestones'))::date, 'infinity')
                    ELSE 'infinity' END
      $$;`,
  tallyTrigger("commune_tally_on_insert", tallyChange("new_rows", undefined)),
  `CREATE FUNCTION commune_tally_move(
        p_old_departement text, p_old_region text, p_old_late date, p_old_start date, p_old_obliged boolean, p_old_reached text[],
        p_new_departement text, p_new_region text, p_new_late date, p_new_start date, p_new_obliged boolean, p_new_reached text[]
      ) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO commune_tally (departement, region, late_from, started_on, communes, under_obligation, connected, milestones)
          SELECT departement, region, late_from, started_on, sum(sign)::int, sum(sign * obliged::int)::int,
                 sum(sign * ('connected' = ANY (reached))::int)::int, sum(sign * cardinality(reached))::int
          FROM (VALUES (p_old_departement, p_old_region, p_old_late, p_old_start, -1, p_old_obliged, p_old_reached),
                       (p_new_departement, p_new_region, p_new_late, p_new_start, 1, p_new_obliged, p_new_reached))
               AS change (departement, region, late_from, started_on, sign, obliged, reached)
          WHERE departement IS NOT NULL
          GROUP BY 1, 2, 3, 4
          HAVING (sum(sign), sum(sign * obliged::int), sum(sign * ('connected' = ANY (reached))::int), sum(sign * cardinality(reached))) <> (0, 0, 0, 0)
          ORDER BY 1, 2, 3, 4
        ON CONFLICT (departement, region, late_from, started_on) DO UPDATE SET
          communes = commune_tally.communes + excluded.communes, under_obligation = commune_tally.under_obligation + excluded.under_obligation,
          connected = commune_tally.connected + excluded.connected, milestones = commune_tally.milestones + excluded.milestones;
        INSERT INTO commune_milestone_tally (departement, region, milestone, communes)
          SELECT departement, region, milestone, sum(sign)::int
          FROM (SELECT p_old_departement, p_old_region, milestone, -1 FROM unnest(p_old_reached) AS milestone WHERE p_old_departement IS NOT NULL
                UNION ALL
                SELECT p_new_departement, p_new_region, milestone, 1 FROM unnest(p_new_reached) AS milestone WHERE p_new_departement IS NOT NULL)
               AS change (departement, region, milestone, sign)
          GROUP BY 1, 2, 3 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (departement, region, milestone) DO UPDATE SET communes = commune_milestone_tally.communes + excluded.communes;
      END $$;`,
  `-- One commune row changed: its old group loses it, its new group gains it (the same group: only its
      -- counts change), in key order. A removed commune counts nowhere (NULL keys are left out).
      CREATE FUNCTION commune_tally_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        was boolean := OLD.removed_at IS NULL;
        is_now boolean := NEW.removed_at IS NULL;
      BEGIN
        PERFORM commune_tally_move(
          CASE WHEN was THEN OLD.departement END, OLD.region, coalesce(OLD.late_from, 'infinity'), commune_tally_start(OLD.reached, OLD.onboarding_state),
          OLD.under_obligation, CASE WHEN was THEN OLD.reached ELSE '{}' END,
          CASE WHEN is_now THEN NEW.departement END, NEW.region, coalesce(NEW.late_from, 'infinity'), commune_tally_start(NEW.reached, NEW.onboarding_state),
          NEW.under_obligation, CASE WHEN is_now THEN NEW.reached ELSE '{}' END);
        RETURN NEW;
      END $$;`,
  tallyTrigger("commune_tally_on_delete", tallyChange(undefined, "old_rows")),
  tallyTrigger(
    "commune_tally_on_truncate",
    `
        DELETE FROM commune_tally;
        DELETE FROM commune_milestone_tally;`,
  ),
  "CREATE TRIGGER commune_tally_insert AFTER INSERT ON commune REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_tally_on_insert()",
  `CREATE TRIGGER commune_tally_update BEFORE UPDATE ON commune FOR EACH ROW
        WHEN ((OLD.departement, OLD.region, OLD.removed_at, OLD.under_obligation, OLD.reached, OLD.late_from, OLD.onboarding_state->'milestones')
              IS DISTINCT FROM (NEW.departement, NEW.region, NEW.removed_at, NEW.under_obligation, NEW.reached, NEW.late_from, NEW.onboarding_state->'milestones'))
        EXECUTE FUNCTION commune_tally_on_update()`,
  "CREATE TRIGGER commune_tally_delete AFTER DELETE ON commune REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION commune_tally_on_delete()",
  "CREATE TRIGGER commune_tally_truncate AFTER TRUNCATE ON commune FOR EACH STATEMENT EXECUTE FUNCTION commune_tally_on_truncate()",
  // The communes there are already.
  `INSERT INTO commune_tally (departement, region, late_from, started_on, communes, under_obligation, connected, milestones)
      SELECT departement, region, late_from, started_on, count(*)::int, count(*) FILTER (WHERE under_obligation)::int,
             count(*) FILTER (WHERE 'connected' = ANY (reached))::int, sum(cardinality(reached))::int
      FROM (${tallyKey("commune")}) AS keyed GROUP BY 1, 2, 3, 4`,
  `INSERT INTO commune_milestone_tally (departement, region, milestone, communes)
      SELECT departement, region, milestone, count(*)::int FROM commune, unnest(reached) AS milestone WHERE removed_at IS NULL GROUP BY 1, 2, 3`,
  // The forecast's communes at risk are read one by one: those under the obligation not connected (a thousand at most).
  "CREATE INDEX commune_obliged_not_connected ON commune (code) WHERE under_obligation AND removed_at IS NULL AND NOT ('connected' = ANY (reached))",
];

const communeTally = fromStatements(communeTallyStatements);

/** Every migration, by name; names sort in application order. */
export const provider: MigrationProvider = {
  getMigrations: async () => ({
    "0001-initial": initial,
    "0002-agents": agents,
    "0003-cards": cards,
    "0004-sessions": sessions,
    "0005-checkpoints": checkpoints,
    "0006-retention": retention,
    "0007-outbox": outbox,
    "0008-exchange": exchange,
    "0009-audit-trail": auditTrail,
    "0010-rate-limits": rateLimits,
    "0011-activation-letters": activationLetters,
    "0012-questions-set-by": questionsSetBy,
    "0013-key-operations": keyOperations,
    "0014-card-by-serial": cardBySerial,
    "0015-national-site": nationalSite,
    "0016-convention-queue": conventionQueue,
    "0017-commune-tally": communeTally,
  }),
};
