/**
 * One Bolt global middleware for every listener (command, action, view, event, shortcut), dispatching by name
 * through a Map.
 *
 * Bolt runs the middleware chain of every registered listener for every incoming request
 * (App.processEvent), matching or not: with the bot's two dozen listeners that cost about as much CPU
 * again as a bare Bolt app spends on a request (bench/check-http). commands/ register on this router
 * with exactly the calls and types they would use on App; `install` then adds one middleware to Bolt.
 * Supported constraints: a name (string) or a RegExp, and one listener function per registration.
 */
import type { App } from '@slack/bolt';

/** What commands/ register on: the same methods, overloads and argument types as Bolt's App. */
export type Listeners = Pick<App, 'command' | 'action' | 'view' | 'event' | 'shortcut'>;

type Kind = 'command' | 'action' | 'view' | 'event' | 'shortcut';
// The listener arguments differ per kind; Bolt's own types are kept on the public `Listeners` surface.
type Listener = (args: never) => Promise<void> | void;

interface Table {
  exact: Map<string, Listener>;
  patterns: [RegExp, Listener][];
}

/** The name a request is routed by, per kind. */
const nameOf: Record<Kind, (args: Record<string, unknown>) => unknown> = {
  command: (a) => (a.command as { command?: unknown } | undefined)?.command,
  action: (a) => (a.action as { action_id?: unknown } | undefined)?.action_id,
  view: (a) => (a.view as { callback_id?: unknown } | undefined)?.callback_id,
  event: (a) => (a.event as { type?: unknown } | undefined)?.type,
  shortcut: (a) => (a.shortcut as { callback_id?: unknown } | undefined)?.callback_id,
};

/** The kind of a request as Bolt hands it to middleware (the same cases app.command/action/view/event/shortcut match). */
function kindOf(a: Record<string, unknown> & { body: { type?: unknown } }): Kind | undefined {
  if (a.command !== undefined) return 'command';
  if (a.body.type === 'block_actions' && a.action !== undefined) return 'action';
  if (a.body.type === 'view_submission' && a.view !== undefined) return 'view';
  if (a.body.type === 'event_callback' && a.event !== undefined) return 'event';
  // Global shortcuts ('shortcut') and message shortcuts ('message_action').
  if ((a.body.type === 'shortcut' || a.body.type === 'message_action') && a.shortcut !== undefined) return 'shortcut';
  return undefined;
}

export class ListenerRouter {
  private readonly tables: Record<Kind, Table> = {
    command: { exact: new Map(), patterns: [] },
    action: { exact: new Map(), patterns: [] },
    view: { exact: new Map(), patterns: [] },
    event: { exact: new Map(), patterns: [] },
    shortcut: { exact: new Map(), patterns: [] },
  };

  /** The registration surface handed to commands/. */
  readonly listeners: Listeners = {
    command: ((c: unknown, ...fns: Listener[]) => this.add('command', c, fns)) as Listeners['command'],
    action: ((c: unknown, ...fns: Listener[]) => this.add('action', c, fns)) as Listeners['action'],
    view: ((c: unknown, ...fns: Listener[]) => this.add('view', c, fns)) as Listeners['view'],
    event: ((c: unknown, ...fns: Listener[]) => this.add('event', c, fns)) as Listeners['event'],
    shortcut: ((c: unknown, ...fns: Listener[]) => this.add('shortcut', c, fns)) as Listeners['shortcut'],
  };

  private add(kind: Kind, constraint: unknown, fns: Listener[]): void {
    const [fn] = fns;
    if (fns.length !== 1 || typeof fn !== 'function') {
      throw new Error(`${kind} listeners on the router take exactly one listener function`);
    }
    const table = this.tables[kind];
    if (typeof constraint === 'string') {
      if (table.exact.has(constraint)) throw new Error(`${kind} "${constraint}" is registered twice`);
      table.exact.set(constraint, fn);
    } else if (constraint instanceof RegExp) {
      table.patterns.push([constraint, fn]);
    } else {
      throw new Error(`${kind} listeners on the router take a name or a RegExp`);
    }
  }

  /** The listener for a request's name, if any (exact names first, then patterns in order). */
  find(kind: Kind, name: unknown): Listener | undefined {
    if (typeof name !== 'string') return undefined;
    const table = this.tables[kind];
    const exact = table.exact.get(name);
    if (exact) return exact;
    for (const [re, fn] of table.patterns) {
      re.lastIndex = 0;
      if (re.test(name)) return fn;
    }
    return undefined;
  }

  /**
   * Installs the router as one global middleware: Bolt has set the request's aliases (command, action,
   * view, event) by then, so the router finds the listener itself and Bolt's listener loop stays empty.
   * A request no listener claims goes on down the chain (to Bolt's own handling of unhandled requests).
   */
  install(app: App): void {
    app.use(async (args) => {
      const a = args as unknown as Record<string, unknown> & { body: { type?: unknown }; next: () => Promise<void> };
      const kind = kindOf(a);
      const fn = kind ? this.find(kind, nameOf[kind](a)) : undefined;
      if (fn) await fn(a as never);
      else await a.next();
    });
  }
}
