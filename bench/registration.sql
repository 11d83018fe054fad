-- The registrations part's pair (bench/run.py): one registration from the public form as raw
-- SQL, in one statement and one round trip, the ideal the web path is measured against. It
-- writes what the form writes for a new person (registrations/services.py register_from_form):
-- the seat claimed on the session's counter (unless people wait: then the newcomer waits too),
-- the organisation found by name and economy (or made), the person and their allauth address,
-- the registration with the organisation's facts, its confirmation or waitlist message, and the
-- task row that sends it. It follows the schema only, never the code's internals.
-- Run by pgbench (`:session` and `:firm` are its variables) or, without pgbench, by psycopg.
\set firm random(0, 499)
WITH claim AS (
    UPDATE events_session
    SET confirmed_count = confirmed_count + 1
    WHERE id = :session
        AND confirmed_count < capacity
        AND NOT EXISTS (
            SELECT 1 FROM registrations_registration
            WHERE session_id = :session AND status = 'waitlisted'
        )
    RETURNING id
),
session AS (
    SELECT sequence FROM events_session WHERE id = :session
),
found AS (
    SELECT id, economy_id, kind, size_band, women_led, youth_led
    FROM outreach_organisation
    WHERE lower(name) = lower('Bench firm ' || :firm) AND economy_id = 'CL'
),
made AS (
    INSERT INTO outreach_organisation (
        name, kind, website, sector, size_band, exporting_status, women_led, youth_led,
        created_at, economy_id, embed_origins
    )
    SELECT 'Bench firm ' || :firm, 'firm', '', 'food', 'micro', 'ready', false, false,
        now(), 'CL', '[]'
    WHERE NOT EXISTS (SELECT 1 FROM found)
    ON CONFLICT (lower(name::text), economy_id) DO UPDATE SET name = outreach_organisation.name
    RETURNING id, economy_id, kind, size_band, women_led, youth_led
),
organisation AS (
    SELECT * FROM found UNION ALL SELECT * FROM made
),
person AS (
    INSERT INTO outreach_user (
        password, is_superuser, email, full_name, language, time_zone, role, is_active,
        is_staff, date_joined, organisation_id, gender, calendar_token, cohost_role
    )
    SELECT '!' || md5(random()::text), false,
        'bench-reg-raw-' || gen_random_uuid() || '@example.org', 'Bench person', 'en',
        'America/Santiago', 'participant', true, false, now(), organisation.id, '',
        md5(random()::text), ''
    FROM organisation
    RETURNING id, email
),
address AS (
    INSERT INTO account_emailaddress (email, verified, "primary", user_id)
    SELECT email, false, true, id FROM person
),
registration AS (
    INSERT INTO registrations_registration (
        status, source, job_title, consent_version, consented_at, token, created_at,
        waitlisted_at, confirmed_at, organisation_id, person_id, session_id, revision,
        shares_with_cohosts, economy_id, organisation_kind, size_band, women_led, youth_led,
        anonymised_by, listening_language, zoom_join_url, zoom_registrant_id
    )
    SELECT CASE WHEN claim.id IS NULL THEN 'waitlisted' ELSE 'confirmed' END, 'direct', '',
        '2026-11', now(), md5(random()::text), now(),
        CASE WHEN claim.id IS NULL THEN now() END, CASE WHEN claim.id IS NOT NULL THEN now() END,
        organisation.id, person.id, :session, 0, false, organisation.economy_id,
        organisation.kind, organisation.size_band, organisation.women_led, organisation.youth_led,
        '', '', '', ''
    FROM person CROSS JOIN organisation LEFT JOIN claim ON true
    RETURNING id, status
),
message AS (
    INSERT INTO registrations_message (
        kind, key, status, session_sequence, due_at, attempts, last_error, created_at,
        registration_id
    )
    SELECT kind, kind || ':' || registration.id || ':' || session.sequence || '.0', 'pending',
        session.sequence, now(), 0, '', now(), registration.id
    FROM registration CROSS JOIN session,
        LATERAL (SELECT CASE registration.status WHEN 'confirmed' THEN 'confirmation'
            ELSE 'waitlisted' END AS kind) chosen
    RETURNING id
)
INSERT INTO django_tasks_database_dbtaskresult (
    id, status, args_kwargs, priority, task_path, queue_name, backend_name, run_after,
    enqueued_at, exception_class_path, traceback, worker_ids
)
SELECT gen_random_uuid(), 'READY',
    jsonb_build_object('args', jsonb_build_array(message.id), 'kwargs', '{}'::jsonb), 0,
    'registrations.tasks.send_message', 'default', 'default', '9999-01-01 00:00:00+00', now(),
    '', '', '[]'
FROM message;
