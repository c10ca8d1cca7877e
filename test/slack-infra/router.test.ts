import { describe, expect, it } from 'vitest';
import { ListenerRouter } from '../../src/slack/router.ts';

describe('ListenerRouter', () => {
  it('routes by exact name first, then by pattern, and leaves unknown names alone', () => {
    const r = new ListenerRouter();
    const calls: string[] = [];
    r.listeners.action('pick_1', async () => void calls.push('exact'));
    r.listeners.action(/^pick_\d+$/, async () => void calls.push('pattern'));
    r.listeners.command('/icp-check', async () => void calls.push('command'));
    r.listeners.view('details', async () => void calls.push('view'));
    r.listeners.event('app_home_opened', async () => void calls.push('event'));
    r.listeners.shortcut('check_shortcut', async () => void calls.push('shortcut'));
    expect(r.find('action', 'pick_1')).toBeDefined();
    void r.find('action', 'pick_1')?.(undefined as never);
    void r.find('action', 'pick_22')?.(undefined as never);
    void r.find('command', '/icp-check')?.(undefined as never);
    void r.find('view', 'details')?.(undefined as never);
    void r.find('event', 'app_home_opened')?.(undefined as never);
    void r.find('shortcut', 'check_shortcut')?.(undefined as never);
    expect(calls).toEqual(['exact', 'pattern', 'command', 'view', 'event', 'shortcut']);
    expect(r.find('action', 'pick_x')).toBeUndefined();
    expect(r.find('command', '/icp-other')).toBeUndefined();
    expect(r.find('view', undefined)).toBeUndefined();
  });

  it('keeps a global pattern reusable', () => {
    const r = new ListenerRouter();
    r.listeners.action(/^a_\d+$/g, async () => {});
    expect(r.find('action', 'a_1')).toBeDefined();
    expect(r.find('action', 'a_2')).toBeDefined();
  });

  it('refuses what it cannot route faithfully: duplicates, middleware chains, object constraints', () => {
    const r = new ListenerRouter();
    r.listeners.command('/x', async () => {});
    expect(() => r.listeners.command('/x', async () => {})).toThrow(/twice/);
    expect(() =>
      r.listeners.command(
        '/y',
        async () => {},
        async () => {},
      ),
    ).toThrow(/exactly one/);
    expect(() => r.listeners.action({ action_id: 'a' }, async () => {})).toThrow(/name or a RegExp/);
  });
});
