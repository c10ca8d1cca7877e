import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { handledCommands, handledShortcuts } from '../../commands/index.ts';
import { botScopes } from '../../src/slack/create-app.ts';

const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean; messages_tab_read_only_enabled: boolean };
    shortcuts: { name: string; type: 'global' | 'message'; callback_id: string; description: string }[];
    slash_commands: { command: string; description: string; usage_hint?: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; interactivity: { is_enabled: boolean } };
};

describe('manifest.yml', () => {
  it('lists exactly the slash commands the bot handles', () => {
    const inManifest = manifest.features.slash_commands.map((c) => c.command).sort();
    expect(inManifest).toEqual([...handledCommands].sort());
  });

  it('lists exactly the shortcuts the bot handles, within Slack’s limits', () => {
    expect(manifest.features.shortcuts.map((s) => s.callback_id).sort()).toEqual([...handledShortcuts].sort());
    for (const s of manifest.features.shortcuts) {
      expect(['global', 'message']).toContain(s.type);
      expect(s.name.length).toBeLessThanOrEqual(100);
      expect(s.description.length).toBeLessThanOrEqual(150);
      expect(s.callback_id.length).toBeLessThanOrEqual(255);
    }
  });

  it('describes every command within Slack’s limits', () => {
    for (const c of manifest.features.slash_commands) {
      expect(c.description.length).toBeLessThanOrEqual(100);
      expect((c.usage_hint ?? '').length).toBeLessThanOrEqual(100);
    }
  });

  it('requests the same bot scopes the OAuth installer asks for', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...botScopes].sort());
  });

  it('subscribes to the events the bot handles and enables interactivity', () => {
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(['app_home_opened', 'app_uninstalled', 'tokens_revoked']),
    );
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('shows the Messages tab, read-only, because the bot sends direct messages there', () => {
    // chat.postMessage to a user id (the "wrong tier?" thanks, modal answers, settings confirmations)
    // lands in the app's Messages tab; with the tab off the user never sees it.
    expect(manifest.features.app_home).toEqual({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: true,
    });
  });
});
