/**
 * ICP as code: the YAML file RevOps edits, its zod schema, and a parser whose errors point at the exact
 * place in the file ("criteria[2].weight: must be a positive number") so nobody has to guess.
 */
import { type ParseOptions, parseDocument } from 'yaml';
import { AppError, ErrorCode } from '../errors.ts';
import { describeValue, issueLines, semanticProblems } from './spec-issues.ts';
import { type IcpSpec, IcpSpecSchema } from './spec-schema.ts';

export * from './spec-schema.ts';

function invalid(details: string[], cause?: unknown): AppError {
  return new AppError(ErrorCode.IcpInvalid, `The ICP file has ${details.length} problem(s); nothing was changed.`, {
    details,
    cause,
  });
}

const yamlOptions: ParseOptions = { prettyErrors: true, uniqueKeys: true };

/**
 * Parse and validate an ICP YAML file. Throws AppError(IcpInvalid) listing every problem, each prefixed with
 * its place in the file (a path such as `criteria[2].weight`, or `line 4, column 3` for YAML syntax).
 */
export function parseIcpYaml(text: string): IcpSpec {
  if (text.trim() === '') throw invalid(['(file): is empty; expected an ICP with name, owners, tiers and criteria']);
  const doc = parseDocument(text, yamlOptions);
  if (doc.errors.length > 0) {
    throw invalid(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : '(file)';
        return `${where}: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
      doc.errors[0],
    );
  }
  const data: unknown = doc.toJS();
  return validateIcp(data);
}

/** Validate an already-parsed object (e.g. JSON) as an ICP spec; same errors as parseIcpYaml. */
export function validateIcp(data: unknown): IcpSpec {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw invalid([`(file): must be a mapping with name, owners, tiers and criteria (found ${describeValue(data)})`]);
  }
  const result = IcpSpecSchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.flatMap((i) => issueLines(i, data));
    throw invalid([...new Set(lines)], result.error);
  }
  const problems = semanticProblems(result.data, data as { review_every?: unknown });
  if (problems.length > 0) throw invalid(problems);
  return result.data;
}
