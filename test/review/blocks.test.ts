import { describe, expect, it } from 'vitest';
import {
  buildDriftReport,
  type ChurnAggregate,
  type DealAggregate,
  type DriftReport,
  SEGMENTS,
  type Segment,
} from '../../src/drift/report.ts';
import { driftWindows } from '../../src/drift/windows.ts';
import { COMMON_TIMEZONES, isValidTimezone, validateSettings } from '../../src/review/settings.ts';
import {
  driftDetailsMessage,
  historyMessage,
  markReviewedModal,
  ownersOnly,
  parseMarkReviewedSubmission,
  parseSettingsSubmission,
  type ReminderData,
  ReviewActionIds,
  reminderMessage,
  reportModal,
  reviewHomeSection,
  settingsModal,
  TREND_MIN_DECIDED,
  winRateTrend,
} from '../../src/slack/blocks/review.ts';
import { blocksTextLength } from '../../src/slack/limits.ts';
import { assertValidHome, assertValidMessage, assertValidModal } from '../helpers/blockkit.ts';

type Rates = { won: number; decided: number; active?: number; churned?: number; cycle?: number; amount?: number };

/** A report built from per-tier counts (fit, non-fit and all are summed), recent vs baseline. */
function reportFrom(recent: Partial<Record<Segment, Rates>>, baseline: Partial<Record<Segment, Rates>>): DriftReport {
  const deals: DealAggregate[] = [];
  const churn: ChurnAggregate[] = [];
  const roll = (src: Partial<Record<Segment, Rates>>): Partial<Record<Segment, Rates>> => {
    const sum = (segs: Segment[]): Rates | undefined => {
      const parts = segs.map((s) => src[s]).filter((x): x is Rates => !!x);
      if (parts.length === 0) return undefined;
      return {
        won: parts.reduce((a, p) => a + p.won, 0),
        decided: parts.reduce((a, p) => a + p.decided, 0),
        active: parts.reduce((a, p) => a + (p.active ?? 0), 0),
        churned: parts.reduce((a, p) => a + (p.churned ?? 0), 0),
        cycle: parts[0]!.cycle ?? 40,
        amount: parts[0]!.amount ?? 20_000,
      };
    };
    return {
      ...src,
      fit: sum(['tier1', 'tier2']),
      non_fit: sum(['tier3', 'no_fit']),
      all: sum(['tier1', 'tier2', 'tier3', 'no_fit', 'unscored']),
    };
  };
  for (const [window, src] of [
    ['recent', roll(recent)],
    ['baseline', roll(baseline)],
  ] as const) {
    for (const s of SEGMENTS) {
      const r = src[s];
      if (!r) continue;
      deals.push({
        segment: s,
        window,
        won: r.won,
        decided: r.decided,
        cycleMedian: r.won > 0 ? (r.cycle ?? 40) : null,
        cycleN: r.won,
        cycleAbove: Math.round(r.won / 2),
        amountMedian: r.won > 0 ? (r.amount ?? 20_000) : null,
        amountMean: r.won > 0 ? (r.amount ?? 20_000) * 1.2 : null,
        amountN: r.won,
        amountAbove: Math.round(r.won / 2),
      });
      if (r.active !== undefined)
        churn.push({ segment: s, window, active: r.active, customers: r.active, churned: r.churned ?? 0 });
    }
  }
  return buildDriftReport({ windows: driftWindows('2018-01-01'), icpVersion: 3, deals, churn });
}

const driftingReport = () =>
  reportFrom(
    {
      tier1: { won: 60, decided: 200, active: 300, churned: 30 },
      tier2: { won: 50, decided: 180, active: 200, churned: 10 },
      tier3: { won: 40, decided: 160, active: 100, churned: 8 },
      no_fit: { won: 20, decided: 120, active: 50, churned: 5 },
    },
    {
      tier1: { won: 400, decided: 800, active: 1200, churned: 60 },
      tier2: { won: 220, decided: 700, active: 800, churned: 40 },
      tier3: { won: 150, decided: 640, active: 400, churned: 30 },
      no_fit: { won: 70, decided: 480, active: 200, churned: 20 },
    },
  );

const stableReport = () =>
  reportFrom(
    {
      tier1: { won: 100, decided: 250, active: 300, churned: 15 },
      tier2: { won: 70, decided: 220, active: 200, churned: 10 },
      tier3: { won: 40, decided: 200, active: 100, churned: 5 },
      no_fit: { won: 15, decided: 150, active: 50, churned: 3 },
    },
    {
      tier1: { won: 400, decided: 1000, active: 1200, churned: 60 },
      tier2: { won: 280, decided: 880, active: 800, churned: 40 },
      tier3: { won: 160, decided: 800, active: 400, churned: 20 },
      no_fit: { won: 60, decided: 600, active: 200, churned: 10 },
    },
  );

const thinReport = () =>
  reportFrom(
    { tier1: { won: 5, decided: 12, active: 8, churned: 1 }, tier3: { won: 2, decided: 9 } },
    { tier1: { won: 20, decided: 41, active: 20, churned: 2 }, tier3: { won: 4, decided: 25 } },
  );

/** Everything at once: every segment with data, many signals, huge amounts, long hostile names. */
const largestReport = () =>
  reportFrom(
    {
      tier1: { won: 9000, decided: 30000, active: 90000, churned: 9000, amount: 987_654_321, cycle: 999 },
      tier2: { won: 8000, decided: 31000, active: 80000, churned: 2000, amount: 123_456_789 },
      tier3: { won: 7000, decided: 25000, active: 70000, churned: 3000 },
      no_fit: { won: 6000, decided: 12000, active: 60000, churned: 4000 },
      unscored: { won: 5000, decided: 20000, active: 50000, churned: 1000 },
    },
    {
      tier1: { won: 60000, decided: 100000, active: 300000, churned: 9000, amount: 1000 },
      tier2: { won: 40000, decided: 110000, active: 280000, churned: 9000 },
      tier3: { won: 20000, decided: 100000, active: 250000, churned: 9000 },
      no_fit: { won: 9000, decided: 100000, active: 200000, churned: 9000 },
      unscored: { won: 9000, decided: 50000, active: 100000, churned: 4000 },
    },
  );

const hostile = '<!channel> *Evil* & <https://x.test|Co> `x` > _y_';

function reminderData(report: DriftReport, over: Partial<ReminderData> = {}): ReminderData {
  return {
    kind: 'due',
    icp: { name: 'B2B SaaS mid-market', version: 3, owners: ['U0OWNER01'], reviewEvery: '180d' },
    status: {
      lastReviewedAt: new Date('2017-06-01T00:00:00Z'),
      dueAt: new Date('2017-11-28T00:00:00Z'),
      daysLeft: -34,
      state: 'overdue',
    },
    report,
    feedback: {
      since: new Date('2017-06-01T00:00:00Z'),
      groups: [
        {
          reason: 'should_be_lower',
          n: 3,
          companies: ['Globex', 'Initech', 'Umbrella'],
          notes: ['Globex is 40 people', 'a', 'b', 'fourth note is not shown'],
        },
        { reason: 'should_be_higher', n: 1, companies: ['Hooli'] },
      ],
    },
    ...over,
  };
}

type Msg = { text: string; blocks: Record<string, unknown>[] };
const text = (m: Msg) => JSON.stringify(m.blocks);
const actionIds = (m: Msg) =>
  m.blocks.flatMap((b) =>
    ((b.elements as { action_id?: string }[] | undefined) ?? []).flatMap((e) => (e.action_id ? [e.action_id] : [])),
  );

describe('review reminder blocks', () => {
  it('explains a drifting report: cadence, signals, table, summary, feedback and the three buttons', () => {
    const report = driftingReport();
    expect(report.driftDetected).toBe(true);
    const msg = reminderMessage(reminderData(report, { kind: 'drift' }));
    assertValidMessage(msg);
    const t = text(msg);
    expect(t).toContain('Early review recommended');
    expect(t).toContain('34 days overdue');
    expect(t).toContain('Drift for the worse in Tier 1 win rate, Tier 1 churn rate.');
    expect(t).toContain('Tier 1 win rate');
    expect(t).toContain('▼ drift (worse)');
    // Roll-ups are described, never a second verdict on the same accounts.
    expect(t).toMatch(/ICP fit \(T1-2\) .*\(roll-up, not tested\)/);
    expect(t).toContain('Drift = corrected p &lt; 0.05');
    expect(t).toContain('14 days (sales cycle), 10% (deal size)');
    expect(t).toMatch(/Win rate\*\\n```Segment +Recent +Baseline +Change +n \(rec\/base\) +Signal/);
    expect(t).toContain('30.0%');
    expect(t).toContain('50.0%');
    expect(t).toContain('−20.0 pts');
    expect(t).toContain('200/800');
    for (const label of [
      'Churn rate',
      'Sales cycle',
      'Deal size',
      'ICP lift',
      'Wins outside ICP',
      'ICP fit (T1-2)',
      'Non-fit',
    ])
      expect(t).toContain(label);
    expect(t).toContain(report.summary[0]!.slice(0, 40));
    expect(t).toContain('4 reports');
    expect(t).toContain('Should be a lower tier: 3 (Globex, Initech, Umbrella)');
    expect(t).toContain('_“Globex is 40 people”_');
    expect(t).not.toContain('fourth note');
    expect(actionIds(msg)).toEqual([
      ReviewActionIds.markReviewed,
      ReviewActionIds.snooze,
      ReviewActionIds.details,
      ReviewActionIds.suggest,
    ]);
    expect(msg.text).toContain('Early review recommended');
    expect(msg.text).not.toContain('*');
  });

  it('says no drift on a stable report and still lists the due date', () => {
    const report = stableReport();
    expect(report.driftDetected).toBe(false);
    const msg = reminderMessage(reminderData(report, { kind: 'due' }));
    assertValidMessage(msg);
    const t = text(msg);
    expect(t).toContain('ICP review due');
    expect(t).toContain('was due 2017-11-28');
    expect(t).not.toContain('Drift for the worse');
    expect(t).toContain('No drift detected');
    expect(t).toMatch(/a change smaller than \d+ points in .* could go unnoticed/);
    expect(t).toContain('· no drift detected');
  });

  it('says "not enough data" out loud with n and the minimum', () => {
    const thin = thinReport();
    const msg = reminderMessage(reminderData(thin, { kind: 'manual' }));
    assertValidMessage(msg);
    const t = text(msg);
    expect(t).toContain('not enough data (n=12 &lt; 30)');
    expect(t).toContain('not enough data (n=0 &lt; 30)');
    expect(t).toContain('Not enough decided deals');
    // Nothing could be tested: the headline must not claim "no drift".
    expect(thin.comparisons).toBe(0);
    expect(t).toContain('Not enough data to judge drift yet');
    expect(t).toContain('Not enough data to tell whether the ICP drifted');
    expect(t).not.toContain('No significant drift');
    expect(t).not.toContain('No drift detected');
  });

  it('keeps the largest realistic report within Block Kit limits, escaped', () => {
    const report = largestReport();
    const groups = Array.from({ length: 6 }, (_, i) => ({
      reason: i % 2 ? 'should_be_lower' : 'data_wrong',
      n: 1000 + i,
      companies: Array.from({ length: 5 }, (_, j) => `${hostile} ${'x'.repeat(200)} ${i}${j}`),
    }));
    const data = reminderData(report, {
      kind: 'drift',
      icp: {
        name: `${hostile} ${'N'.repeat(300)}`,
        version: 99,
        owners: ['U0OWNER01', 'U0OWNER02', 'not-an-id <!here>'],
        reviewEvery: '6m',
      },
      feedback: { since: new Date('2017-01-01T00:00:00Z'), groups },
    });
    for (const msg of [
      reminderMessage(data),
      reminderMessage({ ...data, reviewed: { by: 'U0OWNER01', at: new Date() } }),
      driftDetailsMessage(report),
    ]) {
      assertValidMessage(msg);
      expect(msg.blocks.length).toBeLessThanOrEqual(50);
      expect(blocksTextLength(msg.blocks)).toBeLessThan(12_000);
      const t = text(msg);
      expect(t).not.toContain('<!channel>');
      expect(t).not.toContain('<!here>');
      expect(t).not.toContain('<https://x.test');
    }
    const t = text(reminderMessage(data));
    expect(t).toContain('&lt;!channel&gt;');
    expect(t).toContain('<@U0OWNER01>');
  });

  it('replaces the buttons with who reviewed it once handled', () => {
    const msg = reminderMessage(
      reminderData(driftingReport(), { reviewed: { by: 'U0OWNER01', at: new Date('2018-01-02T10:00:00Z') } }),
    );
    assertValidMessage(msg);
    expect(actionIds(msg)).toEqual([]);
    expect(text(msg)).toContain('Reviewed by <@U0OWNER01> on 2018-01-02');
    expect(msg.text).toContain('Reviewed by U0OWNER01 on 2018-01-02');
  });

  it('writes the full report for Details with every segment and intervals', () => {
    const msg = driftDetailsMessage(driftingReport());
    assertValidMessage(msg);
    const t = text(msg);
    expect(t).toContain('ICP drift report as of 2018-01-01');
    expect(t).toContain('95% CI');
    expect(t).toContain('Unscored');
  });

  it('lists review history and says when there is none', () => {
    const status = reminderData(stableReport()).status;
    const empty = historyMessage([], status);
    assertValidMessage(empty);
    expect(empty.text).toContain('No ICP reviews');
    const msg = historyMessage(
      [
        {
          reviewedBy: 'U0OWNER01',
          reviewedAt: new Date('2017-06-01T00:00:00Z'),
          note: hostile,
          icpChanged: true,
          icpVersion: 2,
        },
        {
          reviewedBy: 'U0OWNER02',
          reviewedAt: new Date('2016-12-01T00:00:00Z'),
          note: null,
          icpChanged: false,
          icpVersion: 1,
        },
      ],
      status,
    );
    assertValidMessage(msg);
    const t = text(msg);
    expect(t).toContain('2017-06-01');
    expect(t).toContain('<@U0OWNER01>');
    expect(t).toContain('ICP v2 · ICP changed');
    expect(t).toContain('ICP v1 · no change');
    expect(t).not.toContain('<!channel>');
  });

  it('builds valid modals and parses their submissions', () => {
    const modal = markReviewedModal({ channel: 'C0123', ts: '1.2', kind: 'due' }, hostile);
    assertValidModal(modal);
    expect(JSON.parse(modal.private_metadata!)).toEqual({ channel: 'C0123', ts: '1.2', kind: 'due' });
    expect(
      parseMarkReviewedSubmission({
        review_note_block: { review_note_input: { value: '  Looked at lift  ' } },
        review_changed_block: { review_changed_input: { selected_option: { value: 'yes' } } },
      }),
    ).toEqual({ note: 'Looked at lift', icpChanged: true });
    expect(parseMarkReviewedSubmission({})).toEqual({ note: null, icpChanged: false });
    const settings = settingsModal(
      { channelId: 'C0123', timeOfDay: '08:30', timezone: 'Asia/Kathmandu' },
      COMMON_TIMEZONES,
    );
    assertValidModal(settings);
    expect(JSON.stringify(settings)).toContain('Asia/Kathmandu');
    const parsed = parseSettingsSubmission({
      settings_channel_block: { settings_channel_input: { selected_conversation: 'C0999' } },
      settings_time_block: { settings_time_input: { selected_time: '07:15' } },
      settings_timezone_block: { settings_timezone_input: { selected_option: { value: 'Europe/Berlin' } } },
    });
    expect(validateSettings(parsed)).toEqual({
      ok: true,
      value: { channelId: 'C0999', timeOfDay: '07:15', timezone: 'Europe/Berlin' },
    });
    expect(validateSettings({ channelId: null, timeOfDay: '25:00', timezone: 'Mars/Olympus' })).toEqual({
      ok: false,
      errors: { channel: expect.any(String), time: expect.any(String), timezone: expect.any(String) },
    });
  });

  it('offers only zones Intl knows', () => {
    for (const z of COMMON_TIMEZONES) expect(isValidTimezone(z), z).toBe(true);
    expect(isValidTimezone('Not/AZone')).toBe(false);
  });

  it('refuses non-owners by naming the owners', () => {
    const msg = ownersOnly(['U0OWNER01', 'U0OWNER02'], 'mark the ICP reviewed');
    assertValidMessage(msg);
    expect(text(msg)).toContain('Only <@U0OWNER01> or <@U0OWNER02> can mark the ICP reviewed.');
  });

  const homeData = (owner: boolean) => ({
    status: reminderData(stableReport()).status,
    lastReview: { by: 'U0OWNER01', at: new Date('2017-06-01T00:00:00Z'), icpChanged: false },
    channelId: null,
    timeOfDay: '09:00',
    timezone: 'UTC',
    snoozedUntil: new Date('2018-01-05T00:00:00Z'),
    now: new Date('2018-01-01T00:00:00Z'),
    owner,
  });

  it('shows review status in App Home', () => {
    const blocks = reviewHomeSection(homeData(false));
    assertValidHome({ type: 'home', blocks });
    const t = JSON.stringify(blocks);
    expect(t).toContain('Last reviewed 2017-06-01');
    expect(t).toContain('No reminder channel configured');
    expect(t).toContain('Snoozed until 2018-01-05');
    expect(t).toContain('34 days overdue');
  });

  it('gives everyone the drift report and suggestions, and owners Mark reviewed and Reminder settings', () => {
    expect(actionIds({ text: '', blocks: reviewHomeSection(homeData(false)) })).toEqual([
      ReviewActionIds.homeReport,
      ReviewActionIds.suggest,
    ]);
    const owner = reviewHomeSection(homeData(true));
    assertValidHome({ type: 'home', blocks: owner });
    expect(actionIds({ text: '', blocks: owner })).toEqual([
      ReviewActionIds.homeReport,
      ReviewActionIds.suggest,
      ReviewActionIds.markReviewed,
      ReviewActionIds.homeSettings,
    ]);
    expect(JSON.stringify(owner)).toContain('choose one in *Reminder settings*');
  });

  it('shows the drift report in a modal without the buttons that act on a posted message', () => {
    const holding = reportModal(null);
    assertValidModal(holding);
    const msg = reminderMessage(reminderData(stableReport()));
    expect(msg.blocks.some((b) => b.type === 'actions')).toBe(true);
    const modal = reportModal(msg);
    assertValidModal(modal);
    expect(modal.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(modal.blocks.length).toBe(msg.blocks.length - msg.blocks.filter((b) => b.type === 'actions').length);
  });
});

describe('winRateTrend (the chart as text for /icp-review)', () => {
  const months = ['2026-01', '2026-02', '2026-03', '2026-04'];
  const point = (month: string, won: number, decided: number) => ({
    month,
    decided,
    rate: decided > 0 ? won / decided : null,
  });

  it('draws each tier on a fixed 0–100% scale and marks thin months instead of drawing them', () => {
    const text = winRateTrend({
      months,
      winRate: {
        tier1: [point('2026-01', 0, 10), point('2026-02', 5, 10), point('2026-03', 10, 10), point('2026-04', 1, 2)],
        tier2: [point('2026-01', 0, 0), point('2026-02', 0, 0), point('2026-03', 0, 0), point('2026-04', 0, 0)],
      },
    });
    expect(text).not.toBeNull();
    const lines = text!.split('\n');
    expect(lines[0]).toContain('2026-01 to 2026-04');
    expect(lines[0]).toContain(`fewer than ${TREND_MIN_DECIDED} decided deals`);
    // 0% → lowest bar, 50% → middle, 100% → highest; April has 2 deals: a dot, not a 50% bar.
    expect(lines[1]).toBe('*Tier 1* `▁▅█·` 2026-03: 100% of 10 · 32 decided');
    expect(lines).toHaveLength(2); // a tier without deals is left out
  });

  it('says so when no month has enough deals, and returns nothing without any deal', () => {
    const thin = winRateTrend({ months, winRate: { tier3: months.map((m) => point(m, 1, 2)) } });
    expect(thin).toContain('*Tier 3* `····` not enough data in any month · 8 decided');
    expect(winRateTrend({ months, winRate: {} })).toBeNull();
  });

  it('fits a valid message', () => {
    const report = reportFrom({ tier1: { won: 40, decided: 100 } }, { tier1: { won: 50, decided: 100 } });
    const msg = reminderMessage(
      reminderData(report, {
        kind: 'manual',
        trend: { months, winRate: { tier1: months.map((m) => point(m, 3, 10)) } },
      }),
    );
    assertValidMessage(msg);
    expect(JSON.stringify(msg.blocks)).toContain('Win rate by close month');
  });
});
