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
});
