/**
 * The whole database schema. Every table that holds customer data carries `team_id`
 * (the Slack workspace) and every query filters on it: one workspace never sees another's rows.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** One row per applied ICP file. The highest version of a team is the current ICP. */
export const icpVersions = pgTable(
  'icp_versions',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    version: integer('version').notNull(),
    name: text('name').notNull(),
    /** The YAML exactly as applied, so `icp show` reproduces the file. */
    source: text('source').notNull(),
    /** The validated spec (zod output), what the engine compiles. */
    spec: jsonb('spec').notNull(),
    /** Text diff against the previous version ('' for the first). */
    diff: text('diff').notNull().default(''),
    /** 'default' | 'apply' | 'rollback' | 'suggestion' (approved in Slack from `/icp-review suggest`) */
    origin: text('origin').notNull(),
    /** For rollbacks: the version that was restored. */
    restoredFrom: integer('restored_from'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('icp_versions_team_version_uq').on(t.teamId, t.version)],
);
export type IcpVersionRow = typeof icpVersions.$inferSelect;

export const accounts = pgTable(
  'accounts',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    /** CRM id, or the normalised name when the export has none; re-imports update on it. */
    externalId: text('external_id').notNull(),
    source: text('source').notNull().default('manual'),
    name: text('name').notNull(),
    /** Lower-cased, punctuation and legal suffixes removed: what name lookups compare. */
    normalizedName: text('normalized_name').notNull(),
    /** The words of normalized_name, kept by PostgreSQL itself (so every write path has them): word lookups. */
    nameWords: text('name_words').array().generatedAlwaysAs(sql`string_to_array(normalized_name, ' ')`),
    domain: text('domain'),
    industry: text('industry'),
    employees: integer('employees'),
    /** Annual revenue in the ICP currency (whole units, not thousands or millions). */
    revenue: doublePrecision('revenue'),
    /** ISO 3166-1 alpha-2 where recognised. */
    country: text('country'),
    /** Everything else the CRM or a user gave: business_model, funding_stage, tech_stack, signals... */
    attributes: jsonb('attributes').notNull().default(sql`'{}'::jsonb`),
    /**
     * Score and tier under `icpVersion`, written by rescore (used by drift reports and exports). The score
     * counts unknown data as earning nothing; the tier is 'unknown' when that data could move the account
     * across a tier line, and `tierLow`–`tierHigh` is then the range (both equal to `tier` otherwise).
     */
    score: doublePrecision('score'),
    tier: text('tier'),
    tierLow: text('tier_low'),
    tierHigh: text('tier_high'),
    icpVersion: integer('icp_version'),
    scoredAt: timestamp('scored_at', { withTimezone: true }),
    /**
     * Close date of the account's first won deal: when it became a customer (churn denominators in drift
     * reports). Kept by PostgreSQL itself: statement triggers on deals (migration 0008) maintain it on
     * every insert, update, delete and truncate, whatever wrote the deals.
     */
    firstWonOn: date('first_won_on', { mode: 'string' }),
    /**
     * When the account became a customer according to the CRM (signup date, HubSpot "Became a Customer
     * Date", a Salesforce "Customer Since" field): subscription businesses keep customers in accounts,
     * not deals. Drift counts a customer from the earlier of this and first_won_on.
     */
    customerSince: date('customer_since', { mode: 'string' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('accounts_team_external_uq').on(t.teamId, t.externalId),
    index('accounts_team_domain_idx').on(t.teamId, t.domain),
    index('accounts_team_normalized_name_idx').on(t.teamId, t.normalizedName),
    index('accounts_normalized_name_trgm_idx').using('gin', sql`${t.normalizedName} gin_trgm_ops`),
    // fastupdate off: a GIN pending list is scanned linearly by every lookup until vacuum merges it.
    index('accounts_name_words_idx').using('gin', t.nameWords).with({ fastupdate: false }),
  ],
);
export type AccountRow = typeof accounts.$inferSelect;

/**
 * Per-team dictionary of the words in account names (distinct words, not names: tens of thousands, not
 * millions), with how many accounts use each. Lookups correct typed words against it by trigram
 * similarity, then find accounts by accounts.name_words. Refreshed after every accounts write
 * (refreshNameWords in db/queries/accounts.ts); a word no account uses any more is harmless meanwhile.
 */
export const accountNameWords = pgTable(
  'account_name_words',
  {
    teamId: text('team_id').notNull(),
    word: text('word').notNull(),
    accounts: integer('accounts').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.word] }),
    index('account_name_words_trgm_idx').using('gin', sql`${t.word} gin_trgm_ops`).with({ fastupdate: false }),
  ],
);

export const deals = pgTable(
  'deals',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    externalId: text('external_id').notNull(),
    source: text('source').notNull().default('manual'),
    /** Null for open deals not yet tied to an account (kept, never dropped). */
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    accountName: text('account_name'),
    name: text('name'),
    stage: text('stage'),
    /** 'won' | 'lost' | 'open' */
    outcome: text('outcome').notNull(),
    amount: doublePrecision('amount'),
    /** Created or first engaged. */
    createdOn: date('created_on', { mode: 'string' }),
    closedOn: date('closed_on', { mode: 'string' }),
    owner: text('owner'),
    product: text('product'),
    attributes: jsonb('attributes').notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('deals_team_external_uq').on(t.teamId, t.externalId),
    index('deals_team_closed_idx').on(t.teamId, t.closedOn),
    index('deals_account_idx').on(t.accountId),
    // Drift report (db/queries/drift.ts): partial indexes holding every column the report reads, so each
    // scan is an index-only range scan of the windows' won or lost deals (never the heap, never open
    // deals), and first won deals per account are read in (account, date) order.
    index('deals_drift_won_idx')
      .on(t.teamId, t.closedOn, t.accountId, t.createdOn, t.amount)
      .where(sql`${t.outcome} = 'won'`),
    index('deals_drift_lost_idx').on(t.teamId, t.closedOn, t.accountId).where(sql`${t.outcome} = 'lost'`),
    index('deals_drift_first_won_idx').on(t.teamId, t.accountId, t.closedOn).where(sql`${t.outcome} = 'won'`),
  ],
);
export type DealRow = typeof deals.$inferSelect;

export const churnEvents = pgTable(
  'churn_events',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    externalId: text('external_id').notNull(),
    source: text('source').notNull().default('manual'),
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    accountExternalId: text('account_external_id'),
    churnedOn: date('churned_on', { mode: 'string' }).notNull(),
    reason: text('reason'),
    amount: doublePrecision('amount'),
    attributes: jsonb('attributes').notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('churn_team_external_uq').on(t.teamId, t.externalId),
    index('churn_team_date_idx').on(t.teamId, t.churnedOn),
  ],
);
export type ChurnEventRow = typeof churnEvents.$inferSelect;

/**
 * Subscriptions (a subscriptions import): an account with no won deal is a customer while one of its
 * subscriptions is active, and each subscription start after a churn makes it a customer again (drift's
 * churn definition, src/drift/report.ts). `ended_on` null: still running.
 */
export const subscriptions = pgTable(
  'subscriptions',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    externalId: text('external_id').notNull(),
    source: text('source').notNull().default('manual'),
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    accountExternalId: text('account_external_id'),
    startedOn: date('started_on', { mode: 'string' }).notNull(),
    endedOn: date('ended_on', { mode: 'string' }),
    plan: text('plan'),
    mrr: doublePrecision('mrr'),
    arr: doublePrecision('arr'),
    attributes: jsonb('attributes').notNull().default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('subscriptions_team_external_uq').on(t.teamId, t.externalId),
    index('subscriptions_team_account_idx').on(t.teamId, t.accountId, t.startedOn),
  ],
);
export type SubscriptionRow = typeof subscriptions.$inferSelect;

/** Persona files, versioned like the ICP. */
export const personaVersions = pgTable(
  'persona_versions',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    version: integer('version').notNull(),
    source: text('source').notNull(),
    spec: jsonb('spec').notNull(),
    diff: text('diff').notNull().default(''),
    origin: text('origin').notNull(),
    restoredFrom: integer('restored_from'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('persona_versions_team_version_uq').on(t.teamId, t.version)],
);

/** Every /icp-check (and CLI check): who asked what, what it resolved to, and the answer. */
export const checks = pgTable(
  'checks',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    userId: text('user_id').notNull(),
    query: text('query').notNull(),
    /**
     * The account the check resolved to; null once that account is deleted (a check re-scores from its
     * own logged inputs, never from the account).
     */
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    companyName: text('company_name'),
    score: doublePrecision('score'),
    tier: text('tier'),
    icpVersion: integer('icp_version'),
    latencyMs: integer('latency_ms'),
    /** What the check read (facts with their origins, inline values, the company), so it can be re-scored. */
    result: jsonb('result'),
    createdAt: createdAt(),
  },
  (t) => [index('checks_team_user_idx').on(t.teamId, t.userId, t.createdAt)],
);
export type CheckRow = typeof checks.$inferSelect;

/** "Wrong tier?" feedback from the check card, summarised in review reminders. */
export const tierFeedback = pgTable(
  'tier_feedback',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    userId: text('user_id').notNull(),
    checkId: integer('check_id').references(() => checks.id, { onDelete: 'set null' }),
    accountId: integer('account_id').references(() => accounts.id, { onDelete: 'set null' }),
    companyName: text('company_name'),
    givenTier: text('given_tier'),
    expectedTier: text('expected_tier'),
    reason: text('reason').notNull(),
    note: text('note'),
    icpVersion: integer('icp_version'),
    createdAt: createdAt(),
  },
  (t) => [index('tier_feedback_team_idx').on(t.teamId, t.createdAt)],
);

export const icpReviews = pgTable(
  'icp_reviews',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    reviewedBy: text('reviewed_by').notNull(),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }).notNull().defaultNow(),
    note: text('note'),
    icpChanged: boolean('icp_changed').notNull().default(false),
    icpVersion: integer('icp_version').notNull(),
    /** The drift figures at the moment of the review. */
    drift: jsonb('drift'),
  },
  (t) => [index('icp_reviews_team_idx').on(t.teamId, t.reviewedAt)],
);

/**
 * ICP proposals computed from a workspace's own data (`/icp-review suggest`), kept so Slack buttons carry
 * only an id (never the YAML) and so a dismissal is remembered for that exact proposal. One row per
 * (team, proposal key): the key hashes the proposed spec's substance, so the same proposal computed again
 * updates its row, and a dismissed one stays dismissed until the data changes the proposal itself.
 */
export const icpSuggestions = pgTable(
  'icp_suggestions',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    /** sha256 of the canonical proposed spec without its prose description (src/learn/proposal-key.ts). */
    proposalKey: text('proposal_key').notNull(),
    /** 'win' | 'churn' */
    outcome: text('outcome').notNull(),
    /** The ICP version the proposal was last computed against: applying checks it is still current. */
    baseVersion: integer('base_version').notNull(),
    yaml: text('yaml').notNull(),
    summary: text('summary').notNull(),
    /** One sentence per criterion and exclusion. */
    reasons: jsonb('reasons').notNull(),
    /** Lines of change against the base version. */
    diff: jsonb('diff').notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
    dismissedBy: text('dismissed_by'),
    dismissedAt: timestamp('dismissed_at', { withTimezone: true }),
    dismissReason: text('dismiss_reason'),
    appliedBy: text('applied_by'),
    appliedAt: timestamp('applied_at', { withTimezone: true }),
    appliedVersion: integer('applied_version'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('icp_suggestions_team_key_uq').on(t.teamId, t.proposalKey)],
);
export type IcpSuggestionRow = typeof icpSuggestions.$inferSelect;

/**
 * The starter ICP last computed for a workspace (src/usecases/starter-icp.ts), with the data fingerprint and
 * ICP version it was computed on: App Home reuses it until the team's accounts, deals, churn events or
 * subscriptions change (an import, a link, a delete), instead of profiling every deal on every open.
 */
export const starterSuggestions = pgTable('starter_suggestions', {
  teamId: text('team_id').primaryKey(),
  /** db/queries/starter.ts dataFingerprint: counts and last writes of the team's learning data. */
  fingerprint: text('fingerprint').notNull(),
  icpVersion: integer('icp_version').notNull(),
  /** `{ starter: StarterIcp | null }` (null: no decided deals to learn from). */
  result: jsonb('result').notNull(),
  computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Per-workspace reminder settings (channel, local time, timezone, snooze). */
export const reviewSettings = pgTable('review_settings', {
  teamId: text('team_id').primaryKey(),
  channelId: text('channel_id'),
  timeOfDay: text('time_of_day').notNull().default('09:00'),
  timezone: text('timezone').notNull().default('UTC'),
  snoozedUntil: timestamp('snoozed_until', { withTimezone: true }),
  updatedBy: text('updated_by'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One row per reminder occurrence. The unique key is what makes a post exactly-once across replicas:
 * an instance must insert (claim) the row before it may send.
 */
export const reminderOccurrences = pgTable(
  'reminder_occurrences',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    occurrenceKey: text('occurrence_key').notNull(),
    kind: text('kind').notNull(),
    /** 'claimed' | 'sending' | 'sent' | 'retry' | 'failed' */
    status: text('status').notNull(),
    channelId: text('channel_id'),
    claimedBy: text('claimed_by'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    messageTs: text('message_ts'),
    lastError: text('last_error'),
    payload: jsonb('payload'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('reminder_occurrences_key_uq').on(t.teamId, t.occurrenceKey)],
);

/** Bolt OAuth installations, one per workspace (or enterprise org install). */
export const installations = pgTable(
  'slack_installations',
  {
    id: serial('id').primaryKey(),
    /** team id, or enterprise id for org-wide installs. */
    installKey: text('install_key').notNull(),
    teamId: text('team_id'),
    enterpriseId: text('enterprise_id'),
    isEnterpriseInstall: boolean('is_enterprise_install').notNull().default(false),
    /** The Installation object Bolt hands us; holds tokens, so it is never logged. */
    data: jsonb('data').notNull(),
    installedAt: timestamp('installed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('slack_installations_key_uq').on(t.installKey)],
);

/** Slack event ids already handled (Events API retries deliver the same event again). */
export const processedEvents = pgTable('processed_events', {
  eventId: text('event_id').primaryKey(),
  createdAt: createdAt(),
});

/**
 * One CRM connection per workspace (HubSpot today): the token encrypted at rest (src/crm/secrets.ts,
 * AES-256-GCM under CRM_ENCRYPTION_KEY, never stored or logged in clear), what the bot was granted, how the
 * CRM's fields map onto the bot's, and where incremental sync resumes. Disconnecting deletes the row.
 */
export const crmConnections = pgTable(
  'crm_connections',
  {
    id: serial('id').primaryKey(),
    teamId: text('team_id').notNull(),
    /** 'hubspot' */
    provider: text('provider').notNull(),
    /** `v1.<iv>.<tag>.<ciphertext>` (base64url): see src/crm/secrets.ts. */
    tokenEncrypted: text('token_encrypted').notNull(),
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    /** Per object: the CRM properties read and the bot field (or `attributes.<key>`) each one fills. */
    fieldMapping: jsonb('field_mapping').notNull().default(sql`'{}'::jsonb`),
    /** Null until a sync completes: the next sync is then a full one. */
    syncCursor: timestamp('sync_cursor', { withTimezone: true }),
    /**
     * Each object's own cursor (ISO times by object: companies, deals), so changes to one made while the
     * other synced are never skipped; sync_cursor is the older of them (what "synced up to" means).
     */
    syncCursors: jsonb('sync_cursors').notNull().default(sql`'{}'::jsonb`),
    /** 'ok' | 'partial' | 'failed' | null (never synced) */
    lastSyncStatus: text('last_sync_status'),
    lastSyncAt: timestamp('last_sync_at', { withTimezone: true }),
    /** { companies, deals, deleted, merged } written by the last sync. */
    lastSyncCounts: jsonb('last_sync_counts'),
    /** Row-level problems of the last sync (object, id, property, value, problem): shown, never dropped. */
    lastSyncErrors: jsonb('last_sync_errors').notNull().default(sql`'[]'::jsonb`),
    createdBy: text('created_by').notNull(),
    /**
     * The mapping an ICP owner confirmed (field_mapping is the working copy: proposed at connect, edited
     * before confirming). Null until confirmed: no sync runs on a mapping nobody confirmed.
     */
    confirmedMapping: jsonb('confirmed_mapping'),
    mappingConfirmedBy: text('mapping_confirmed_by'),
    mappingConfirmedAt: timestamp('mapping_confirmed_at', { withTimezone: true }),
    /**
     * Scheduled syncs: the replica running this team's sync holds the lease until this time (database
     * clock), renewed page by page; one not renewed belongs to a dead replica and is taken over.
     */
    syncLeaseOwner: text('sync_lease_owner'),
    syncLeaseUntil: timestamp('sync_lease_until', { withTimezone: true }),
    /**
     * Write-back of score, tier, ICP version and explanation onto the CRM's companies: on only after an
     * owner consented (`icp writeback enable`, who and when); null: off. A new connection starts off.
     */
    writebackEnabledBy: text('writeback_enabled_by'),
    writebackEnabledAt: timestamp('writeback_enabled_at', { withTimezone: true }),
    /** The last write-back: { at, written, unchanged, refused, problems: first ones }. */
    lastWriteback: jsonb('last_writeback'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('crm_connections_team_uq').on(t.teamId)],
);
export type CrmConnectionRow = typeof crmConnections.$inferSelect;

/**
 * What the write-back last wrote onto each CRM company (by its CRM id), as a hash of the values: a run
 * writes only the records whose values changed, so a second run writes nothing.
 */
export const crmWritebacks = pgTable(
  'crm_writebacks',
  {
    teamId: text('team_id').notNull(),
    provider: text('provider').notNull(),
    externalId: text('external_id').notNull(),
    /** sha256 (base64url) of the written values but the ICP version (which says when they last changed). */
    valuesHash: text('values_hash').notNull(),
    icpVersion: integer('icp_version').notNull(),
    writtenAt: timestamp('written_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.provider, t.externalId] })],
);
