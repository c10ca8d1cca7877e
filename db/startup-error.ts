/**
 * One line naming why the database could not be opened at start-up. drizzle wraps every failure as
 * `Failed query: CREATE SCHEMA "drizzle"…`; the real cause (refused connection, unknown host, missing
 * database, wrong password, missing privilege, no answer) sits in the error's `cause` chain.
 */

interface PgLikeError {
  code?: string;
  message?: string;
  cause?: unknown;
}

/** The error and its causes, outermost first. */
function causeChain(err: unknown): PgLikeError[] {
  const chain: PgLikeError[] = [];
  let current = err as PgLikeError | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 10; depth++) {
    chain.push(current);
    // AggregateError: a host name resolving to IPv4 and IPv6 addresses, both refused.
    current = ((current as { errors?: unknown[] }).errors?.[0] ?? current.cause) as PgLikeError | undefined;
  }
  return chain;
}

/** The error carrying a PostgreSQL SQLSTATE or a Node network code, else a timeout, else the innermost. */
function rootCause(err: unknown): PgLikeError {
  const chain = causeChain(err);
  return (
    chain.find((e) => typeof e.code === 'string') ??
    chain.find((e) => /timeout/i.test(e.message ?? '')) ??
    chain.at(-1) ?? { message: String(err) }
  );
}

/** `host:port/database` of a connection string, without the user or password. */
function where(databaseUrl: string): { server: string; database: string; user: string } {
  try {
    const u = new URL(databaseUrl);
    return {
      server: `${u.hostname || 'localhost'}:${u.port || '5432'}`,
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres',
      user: decodeURIComponent(u.username) || 'the default user',
    };
  } catch {
    return { server: 'the server in DATABASE_URL', database: 'the database', user: 'the user' };
  }
}

/** The sentence printed after "Start-up failed: " (no password, no SQL, no stack). */
export function explainDatabaseError(err: unknown, databaseUrl: string | undefined): string {
  const cause = rootCause(err);
  const message = cause.message ?? String(err);
  if (!databaseUrl) {
    return `The embedded database could not be opened: ${message.split('\n')[0]}`;
  }
  const { server, database, user } = where(databaseUrl);
  switch (cause.code) {
    case 'ECONNREFUSED':
      return `PostgreSQL refused the connection at ${server}: is the server running, and is DATABASE_URL's host and port right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `PostgreSQL host not found (${server}): check the host name in DATABASE_URL.`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `PostgreSQL at ${server} cannot be reached (${cause.code}): check the network and DATABASE_URL.`;
    case '3D000':
      return `PostgreSQL database "${database}" does not exist on ${server}: create it (createdb ${database}) or fix DATABASE_URL.`;
    case '28P01':
    case '28000':
      return `PostgreSQL rejected the login of "${user}" on ${server}: check the user and password in DATABASE_URL.`;
    case '42501':
      return `The PostgreSQL role "${user}" may not change database "${database}" (${message}) and migrations are pending: run \`npm run db:migrate\` once with a role that owns the database, then start again.`;
    case '53300':
      return `PostgreSQL at ${server} has no free connection slots: lower the number of replicas or raise max_connections.`;
    case '57P03':
      return `PostgreSQL at ${server} is starting up or shutting down: try again in a moment.`;
  }
  if (/timeout/i.test(message)) {
    return `PostgreSQL at ${server} did not answer in time: is the server up and reachable?`;
  }
  return `The database at ${server} could not be opened: ${message.split('\n')[0]}`;
}
