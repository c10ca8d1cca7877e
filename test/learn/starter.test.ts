import { describe, expect, it } from 'vitest';
import { cliStarterCommands, starterText } from '../../src/learn/starter.ts';

describe('starter ICP wording', () => {
  it('names the attributes, the deals and the commands to see and apply it', () => {
    const text = starterText(
      { signal: 'found', decided: 1204, attributes: ['Industry'], summary: 'Industry separates wins from losses.' },
      cliStarterCommands(' --team T1'),
    );
    expect(text).toBe(
      'Your data suggests an ICP: 1 attribute separates wins from losses in 1,204 decided deals (Industry), and the ' +
        'example ICP is still in charge. See it with `npm run icp -- suggest --team T1`, apply it with ' +
        '`npm run icp -- suggest --json --team T1 | jq -r .proposal.yaml > my-icp.yml`, then ' +
        '`npm run icp -- apply my-icp.yml --team T1` and `npm run icp -- rescore --team T1`.',
    );
  });

  it('says plainly that nothing was found, with the numbers, and keeps the example', () => {
    const text = starterText(
      {
        signal: 'none',
        decided: 6711,
        attributes: [],
        summary: 'In 6,711 decided deals no attribute separates wins from losses: win rates range 61%–65%.',
      },
      cliStarterCommands(),
    );
    expect(text).toBe(
      'No starter ICP from your data: In 6,711 decided deals no attribute separates wins from losses: win rates ' +
        'range 61%–65%. The example ICP stays in charge: edit it to your market (start from ' +
        'db/seed/icp.default.yml) and apply your own.',
    );
  });
});
