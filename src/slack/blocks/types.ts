/**
 * Minimal shapes for the Block Kit JSON we build. Deliberately loose: correctness is checked against
 * Slack's JSON schema and limits in tests (test/helpers/blockkit.ts) rather than by these types.
 */
export type Block = { type: string; [key: string]: unknown };

/** A message: fallback `text` is always present (notifications, screen readers). */
export interface Message {
  text: string;
  blocks: Block[];
}

export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: { type: 'plain_text'; text: string };
  submit?: { type: 'plain_text'; text: string };
  close?: { type: 'plain_text'; text: string };
  private_metadata?: string;
  blocks: Block[];
}

export interface HomeView {
  type: 'home';
  blocks: Block[];
}
