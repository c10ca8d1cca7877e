/**
 * A HubSpot for the CRM-sync benchmark: the endpoints the sync calls, answered in the shapes of
 * test/fakes/hubspot.ts (see the API reference URLs there), with every record generated from its number
 * when a page asks for it, so 100k companies and 300k deals cost no memory. `change()` moves a fixed set
 * of records (spread over the whole range) to a later modification time with new values, for an
 * incremental sync. It also measures, per request, how long the bot's call waited before the request
 * arrived (the SDK's rate limiter: calls are sequential, so a FIFO of call starts matches arrivals) and
 * how long the fake took to answer.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const INDUSTRIES = ['Software', 'Retail', 'Financial Services', 'Healthcare', 'Manufacturing', 'Education'];
const COUNTRIES = ['Germany', 'United States', 'France', 'United Kingdom', 'Netherlands', 'Spain'];
const STAGES = ['closedwon', 'closedlost', 'appointmentscheduled', 'contractsent'];
const T0 = Date.parse('2024-01-01T00:00:00Z');

export interface LazyHubSpot {
  url: string;
  token: string;
  /** Moves `companies` + `deals` records (spread evenly) to a later modification time; returns it. */
  change(companies: number, deals: number): Date;
  /** Requests answered so far, and the time measured around them. */
  stats(): { requests: number; limiterWaitMs: number; answerMs: number };
  resetStats(): void;
  /** Marks the start of one HubSpot call from the bot (see the FIFO above). */
  callStarted(): void;
  close(): Promise<void>;
}

export async function startLazyHubSpot(size: { companies: number; deals: number }): Promise<LazyHubSpot> {
  const token = 'pat-bench-00000000-0000-0000-0000-000000000000';
  // Version of the changed records: 0 = as first synced; n = changed n times (at T0 + n days).
  let version = 0;
  let changed: { companies: Set<number>; deals: Set<number> } = { companies: new Set(), deals: new Set() };
  const starts: number[] = [];
  let requests = 0;
  let limiterWaitMs = 0;
  let answerMs = 0;

  const modifiedAt = (object: 'companies' | 'deals', i: number) =>
    changed[object].has(i) ? T0 + version * 86_400_000 : T0;
  const company = (i: number) => {
    const v = changed.companies.has(i) ? version : 0;
    return {
      name: `Company ${i}${v ? ` v${v}` : ''}`,
      domain: `company${i}.example`,
      industry: INDUSTRIES[(i + v) % INDUSTRIES.length]!,
      numberofemployees: String(5 + ((i * 37) % 5000)),
      annualrevenue: String(100_000 + ((i * 7919) % 50_000_000)),
      country: COUNTRIES[i % COUNTRIES.length]!,
      // Every 20th company churned (the churn signal), on a day of its own.
      churn_date: i % 20 === 0 ? `2024-0${1 + (i % 6)}-${String(1 + (i % 28)).padStart(2, '0')}` : null,
      business_model: i % 3 ? 'B2B' : 'B2C',
    };
  };
  const deal = (j: number) => {
    const v = changed.deals.has(j) ? version : 0;
    const month = 1 + (j % 12);
    return {
      dealname: `Deal ${j}`,
      dealstage: STAGES[(j + v) % STAGES.length]!,
      pipeline: 'default',
      amount: String(1000 + ((j * 31) % 90_000) + v),
      createdate: `2023-${String(month).padStart(2, '0')}-01T00:00:00.000Z`,
      closedate: `2023-${String(month).padStart(2, '0')}-${String(10 + (j % 18))}T00:00:00.000Z`,
      lead_source_detail: j % 2 ? 'webinar' : 'referral',
    };
  };
  const view = (object: 'companies' | 'deals', i: number, names: readonly string[]) => {
    const all: Record<string, string | null> = object === 'companies' ? company(i) : deal(i);
    const at = new Date(modifiedAt(object, i)).toISOString();
    const props: Record<string, string | null> = { hs_object_id: String(i), hs_lastmodifieddate: at };
    for (const n of names) if (!(n in props)) props[n] = all[n] ?? null;
    return { id: String(i), properties: props, createdAt: new Date(T0).toISOString(), updatedAt: at, archived: false };
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const count = (object: 'companies' | 'deals') => (object === 'companies' ? size.companies : size.deals);

  function answer(method: string, url: URL, body: unknown, res: ServerResponse) {
    const path = url.pathname;
    if (method === 'POST' && path === '/oauth/v2/private-apps/get/access-token-info') {
      return json(res, 200, {
        userId: 1,
        hubId: 424242,
        appId: 1,
        scopes: ['crm.objects.companies.read', 'crm.objects.deals.read'],
      });
    }
    let m = /^\/crm\/v3\/properties\/(companies|deals)$/.exec(path);
    if (m) {
      const names =
        m[1] === 'companies'
          ? Object.keys(company(1)).map((n) => [n, n === 'churn_date' ? 'date' : 'string'] as const)
          : Object.keys(deal(1)).map((n) => [n, 'string'] as const);
      const custom = new Set(['churn_date', 'business_model', 'lead_source_detail']);
      return json(res, 200, {
        results: names.map(([name, type], i) => ({
          name,
          label: name,
          type,
          fieldType: 'text',
          groupName: 'info',
          options: [],
          displayOrder: i,
          hubspotDefined: !custom.has(name),
        })),
      });
    }
    if (path === '/crm/v3/pipelines/deals') {
      const at = new Date(T0).toISOString();
      return json(res, 200, {
        results: [
          {
            id: 'default',
            label: 'Sales Pipeline',
            displayOrder: 0,
            archived: false,
            createdAt: at,
            updatedAt: at,
            stages: STAGES.map((id, i) => ({
              id,
              label: id,
              displayOrder: i,
              archived: false,
              createdAt: at,
              updatedAt: at,
              metadata: {
                isClosed: String(id.startsWith('closed')),
                probability: id === 'closedwon' ? '1.0' : id === 'closedlost' ? '0.0' : '0.5',
              },
            })),
          },
        ],
      });
    }
    m = /^\/crm\/v3\/objects\/(companies|deals)(\/search)?$/.exec(path);
    if (m) {
      const object = m[1] as 'companies' | 'deals';
      if (!m[2]) {
        if (url.searchParams.get('archived') === 'true') return json(res, 200, { results: [] });
        const names = url.searchParams
          .getAll('properties')
          .flatMap((v) => v.split(','))
          .filter(Boolean);
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), 100);
        const start = Number(url.searchParams.get('after') ?? 0);
        const end = Math.min(start + limit, count(object));
        const results = [];
        for (let i = start + 1; i <= end; i++) results.push(view(object, i, names));
        return json(res, 200, {
          results,
          ...(end < count(object) ? { paging: { next: { after: String(end) } } } : {}),
        });
      }
      const b = body as {
        filterGroups: { filters: { value: string }[] }[];
        properties: string[];
        limit: number;
        after?: string;
      };
      const since = Number(b.filterGroups[0]?.filters[0]?.value ?? 0);
      // Only the changed records can be newer than the first sync's cursor.
      const ids = [...changed[object]].filter((i) => modifiedAt(object, i) > since).sort((a, c) => a - c);
      const start = Number(b.after ?? 0);
      const limit = Math.min(b.limit ?? 10, 200);
      const results = ids.slice(start, start + limit).map((i) => view(object, i, b.properties));
      const next = start + limit < ids.length ? String(start + limit) : undefined;
      return json(res, 200, { total: ids.length, results, ...(next ? { paging: { next: { after: next } } } : {}) });
    }
    if (method === 'POST' && path === '/crm/v4/associations/deals/companies/batch/read') {
      const inputs = (body as { inputs: { id: string }[] }).inputs;
      const now = new Date().toISOString();
      return json(res, 200, {
        status: 'COMPLETE',
        startedAt: now,
        completedAt: now,
        results: inputs.map((x) => ({
          from: { id: x.id },
          to: [
            {
              toObjectId: ((Number(x.id) - 1) % size.companies) + 1,
              associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' }],
            },
          ],
        })),
      });
    }
    return json(res, 404, { status: 'error', message: `No route for ${method} ${path}`, category: 'OBJECT_NOT_FOUND' });
  }

  const server = createServer((req, res) => {
    const arrived = performance.now();
    const started = starts.shift();
    if (started !== undefined) limiterWaitMs += arrived - started;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      answer(req.method ?? 'GET', new URL(req.url ?? '/', 'http://fake'), text ? JSON.parse(text) : null, res);
      requests++;
      answerMs += performance.now() - arrived;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const spread = (n: number, of: number) => {
    const step = Math.max(1, Math.floor(of / Math.max(1, n)));
    const out = new Set<number>();
    for (let i = step; i <= of && out.size < n; i += step) out.add(i);
    return out;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    change(companies, deals) {
      version++;
      changed = { companies: spread(companies, size.companies), deals: spread(deals, size.deals) };
      return new Date(T0 + version * 86_400_000);
    },
    stats: () => ({ requests, limiterWaitMs, answerMs }),
    resetStats() {
      requests = 0;
      limiterWaitMs = 0;
      answerMs = 0;
      starts.length = 0;
    },
    callStarted() {
      starts.push(performance.now());
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
