/**
 * Block Kit validation for tests: the vendored JSON schema (/work/shared/slack/slack-block-kit.schema.json,
 * compiled once with Ajv 2020) plus `checkSurfaceLimits` for what the schema does not enforce.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { checkSurfaceLimits, type MessagePayload } from '../../src/slack/limits.ts';

const schemaUrl = new URL('../../../shared/slack/slack-block-kit.schema.json', import.meta.url);
const schemaPath = fileURLToPath(schemaUrl);
if (!existsSync(schemaPath)) {
  throw new Error(`Block Kit schema not found at ${schemaPath}; it lives in /work/shared/slack (see SOURCE.md)`);
}
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { $id: string; $defs: Record<string, unknown> };

// ajv/dist/2020 is CommonJS with `module.exports = Ajv2020`; under nodenext the default import is that
// class at runtime while TypeScript sees the namespace, so take whichever is constructible.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ??
  Ajv2020Module) as typeof Ajv2020Module.default;
const ajv = new Ajv2020({ strict: false, allErrors: true });
// The schema uses format "uri" only; ajv-formats is not installed, so check it with WHATWG URL.
ajv.addFormat('uri', (s: string) => URL.canParse(s));
ajv.addSchema(schema);

const compiled = new Map<string, ValidateFunction>();
function validatorFor(def: string | null): ValidateFunction {
  const ref = def === null ? schema.$id : `${schema.$id}#/$defs/${def}`;
  let v = compiled.get(ref);
  if (!v) {
    const found = ajv.getSchema(ref);
    if (!found) throw new Error(`schema ref ${ref} not found`);
    v = found;
    compiled.set(ref, v);
  }
  return v;
}

function format(errors: ErrorObject[] | null | undefined, prefix: string): string[] {
  if (!errors) return [];
  const lines = errors.map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
    return `${prefix}${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}`;
  });
  // oneOf/anyOf summaries add noise once a more specific line exists.
  const specific = lines.filter((l) => !/must match (exactly one|a) schema|must match "then" schema/.test(l));
  return [...new Set(specific.length > 0 ? specific : lines)];
}

/**
 * Schema problems of a blocks array, each prefixed with its JSON path (`/blocks/3/text/text: …`). Each block
 * is checked against the definition for its own `type`, which gives precise errors instead of the
 * schema's 21-way oneOf.
 */
export function validateBlocks(blocks: unknown[], prefix = '/blocks'): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return [`${prefix}: must be an array`];
  blocks.forEach((block, i) => {
    const at = `${prefix}/${i}`;
    const type = (block as { type?: unknown } | null)?.type;
    if (typeof type !== 'string') {
      problems.push(`${at}: block has no type`);
      return;
    }
    const def = `${type}_block`;
    if (!(def in schema.$defs)) {
      problems.push(`${at}: unknown block type "${type}"`);
      return;
    }
    const v = validatorFor(def);
    if (!v(block)) problems.push(...format(v.errors, at));
  });
  if (blocks.length > 100) problems.push(`${prefix}: must NOT have more than 100 items`);
  return problems;
}

function validateView(view: unknown, def: 'modal_view' | 'home_view'): string[] {
  const v = validatorFor(def);
  const problems: string[] = [];
  if (!v(view)) {
    // Block errors come from validateBlocks below, with precise paths.
    problems.push(
      ...format(
        v.errors?.filter((e) => !e.instancePath.startsWith('/blocks/')),
        '',
      ),
    );
  }
  const blocks = (view as { blocks?: unknown }).blocks;
  if (Array.isArray(blocks)) problems.push(...validateBlocks(blocks));
  return problems;
}

function fail(what: string, problems: string[], payload: unknown): never {
  const shown = JSON.stringify(payload).slice(0, 400);
  throw new Error(`${what} is not valid Block Kit:\n  - ${problems.join('\n  - ')}\n  payload: ${shown}`);
}

/** Problems of a chat.postMessage / respond() style message; empty when fine. */
export function messageProblems(msg: MessagePayload): string[] {
  const blocks = msg.blocks ?? [];
  return [...(blocks.length > 0 ? validateBlocks(blocks) : []), ...checkSurfaceLimits('message', msg)];
}

export function modalProblems(view: unknown): string[] {
  return [...validateView(view, 'modal_view'), ...checkSurfaceLimits('modal', view as MessagePayload)];
}

export function homeProblems(view: unknown): string[] {
  return [...validateView(view, 'home_view'), ...checkSurfaceLimits('home', view as MessagePayload)];
}

export function assertValidMessage(msg: MessagePayload): void {
  const problems = messageProblems(msg);
  if (problems.length > 0) fail('message', problems, msg);
}

export function assertValidModal(view: unknown): void {
  const problems = modalProblems(view);
  if (problems.length > 0) fail('modal view', problems, view);
}

export function assertValidHome(view: unknown): void {
  const problems = homeProblems(view);
  if (problems.length > 0) fail('home view', problems, view);
}
