import { describe, expect, it } from 'vitest';
import { isPlaceholderUser, type SetupState, setupSection } from '../../src/slack/blocks/home.ts';
import { assertValidHome } from '../helpers/blockkit.ts';

const fresh: SetupState = {
  teamId: 'T0123ABC',
  userId: 'U0456DEF',
  icpApplied: false,
  ownersSet: false,
  accounts: false,
  deals: false,
  reminderChannel: false,
};

describe('App Home: getting started (pure builder)', () => {
  it('gives a new workspace every step, with the commands for this workspace and the user’s own id', () => {
    const blocks = setupSection(fresh);
    assertValidHome({ type: 'home', blocks });
    const t = JSON.stringify(blocks);
    expect(t).toContain('npm run icp -- apply my-icp.yml --team T0123ABC');
    expect(t).toContain('npm run icp -- import accounts accounts.csv --team T0123ABC');
    expect(t).toContain('npm run icp -- import deals deals.csv --team T0123ABC');
    expect(t).toContain('yours is `U0456DEF`');
    expect(t).toContain('DEFAULT_TEAM_ID=T0123ABC');
    expect(t.match(/white_large_square/g)).toHaveLength(5);
  });

  it('ticks what is done, and disappears once everything is', () => {
    const half = JSON.stringify(setupSection({ ...fresh, icpApplied: true, ownersSet: true, accounts: true }));
    expect(half.match(/white_check_mark/g)).toHaveLength(3);
    expect(half).not.toContain('apply my-icp.yml');
    expect(half).toContain('import deals');
    expect(
      setupSection({ ...fresh, icpApplied: true, ownersSet: true, accounts: true, deals: true, reminderChannel: true }),
    ).toEqual([]);
  });

  it('never puts an id that is not a Slack id into a command', () => {
    const t = JSON.stringify(setupSection({ ...fresh, teamId: 'T_1; rm -rf /', userId: '<!channel>' }));
    expect(t).not.toContain('--team');
    expect(t).not.toContain('rm -rf');
    expect(t).not.toContain('<!channel>');
    expect(t).toContain('yours is your member id');
  });

  it('knows the example files’ owner ids are placeholders', () => {
    expect(isPlaceholderUser('U00000000AA')).toBe(true);
    expect(isPlaceholderUser('U00000000')).toBe(true);
    expect(isPlaceholderUser('U0OWNER01')).toBe(false);
  });

  it('offers the starter ICP the data suggests, with a button, while the example is in charge', () => {
    const starter = {
      signal: 'found' as const,
      decided: 4100,
      attributes: ['Industry', 'Company size', 'Region <!channel>'],
      summary: 'Industry separates wins from losses.',
    };
    const blocks = setupSection({ ...fresh, accounts: true, deals: true, starter });
    assertValidHome({ type: 'home', blocks });
    const t = JSON.stringify(blocks);
    expect(t).toContain(
      'your data suggests one: 3 attributes separate wins from losses in 4,100 decided deals (Industry, Company size and Region &lt;!channel&gt;)',
    );
    expect(t).toContain('npm run icp -- suggest --team T0123ABC');
    expect(t).toContain('"action_id":"icp_suggest_action"');
    expect(t).not.toContain('<!channel>');
    const applied = JSON.stringify(setupSection({ ...fresh, icpApplied: true, accounts: true, deals: true, starter }));
    expect(applied).not.toContain('icp_suggest_action');
  });

  it('says so when the data suggests no ICP, and keeps the example’s how-to', () => {
    const starter = {
      signal: 'none' as const,
      decided: 6711,
      attributes: [],
      summary: 'In 6,711 decided deals no attribute separates wins from losses: win rates range 61%–65%.',
    };
    const blocks = setupSection({ ...fresh, accounts: true, deals: true, starter });
    assertValidHome({ type: 'home', blocks });
    const t = JSON.stringify(blocks);
    expect(t).toContain('your data suggests none yet: In 6,711 decided deals no attribute separates wins from losses');
    expect(t).toContain('npm run icp -- apply my-icp.yml --team T0123ABC');
    expect(t).not.toContain('icp_suggest_action');
  });
});
