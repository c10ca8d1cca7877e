import OpenAI, { APIConnectionTimeoutError, InternalServerError } from 'openai';
import { LengthFinishReasonError } from 'openai/core/error';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  errorReply,
  type FakeOpenAI,
  jsonReply,
  lengthReply,
  malformedReply,
  refusalReply,
  slowReply,
  startFakeOpenAI,
} from '../helpers/fake-openai.ts';

const Persona = z.object({
  title: z.string(),
  pains: z.array(z.string()),
  seniority: z.enum(['ic', 'manager', 'exec']),
});

describe('fake OpenAI with the real SDK', () => {
  let fake: FakeOpenAI;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    client = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(() => {
    fake.reset();
  });

  const parse = () =>
    client.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'persona for a CFO' }],
      response_format: zodResponseFormat(Persona, 'persona'),
    });

  it('parses structured output through zodResponseFormat with a zod 4 schema', async () => {
    const value = { title: 'CFO', pains: ['forecast accuracy'], seniority: 'exec' };
    fake.setHandler(() => jsonReply(value));
    const completion = await parse();
    expect(completion.choices[0]?.message.parsed).toEqual(value);
    const [req] = fake.requests();
    expect(req?.path).toBe('/chat/completions');
    expect(req?.headers.authorization).toBe('Bearer test');
    expect(req?.body).toMatchObject({
      model: 'gpt-4o-mini',
      response_format: { type: 'json_schema', json_schema: { name: 'persona', strict: true } },
    });
  });

  it('returns plain completions from create()', async () => {
    fake.setHandler(() => jsonReply({ ok: 1 }));
    const completion = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(JSON.parse(completion.choices[0]?.message.content ?? '')).toEqual({ ok: 1 });
  });

  it('surfaces malformed JSON, schema mismatches, length cut-offs and refusals', async () => {
    fake.setHandler(() => malformedReply());
    await expect(parse()).rejects.toThrow(SyntaxError);
    fake.setHandler(() => jsonReply({ title: 'CFO' }));
    await expect(parse()).rejects.toThrow();
    fake.setHandler(() => lengthReply());
    await expect(parse()).rejects.toBeInstanceOf(LengthFinishReasonError);
    fake.setHandler(() => refusalReply('no'));
    const refused = await parse();
    expect(refused.choices[0]?.message.parsed).toBeNull();
    expect(refused.choices[0]?.message.refusal).toBe('no');
  });

  it('returns a 500 as InternalServerError and a slow answer as a timeout', async () => {
    fake.setHandler(() => errorReply(500));
    await expect(parse()).rejects.toBeInstanceOf(InternalServerError);
    fake.setHandler(() => slowReply(1000, jsonReply({})));
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }, { timeout: 100 }),
    ).rejects.toBeInstanceOf(APIConnectionTimeoutError);
  });

  it('lets the SDK retry a 500 when retries are on', async () => {
    let n = 0;
    fake.setHandler(() =>
      ++n === 1 ? { ...errorReply(500), headers: { 'retry-after-ms': '10' } } : jsonReply({ a: 1 }),
    );
    const retrying = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 2 });
    const completion = await retrying.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(completion.choices[0]?.message.content).toBe('{"a":1}');
    expect(fake.requests()).toHaveLength(2);
  });
});
