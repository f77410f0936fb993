// Runs a route's GraphQL operation in-process, against the same schema and
// with the same context as /graphql. Documents are parsed and validated once,
// at start-up; errors come back classified by `extensions.code`, with the same
// masking rule as the GraphQL transport (unexpected errors are logged, and
// reach the client only as INTERNAL_SERVER_ERROR).
import { GraphQLError, execute, getOperationAST, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Logger } from 'pino';
import type { Context } from '../../graphql/context.js';
import type { FieldError } from '../../common/errors.js';
import { isExpected, maskUnexpected } from '../../graphql/format-error.js';
import { HttpProblem } from './body.js';
import type { RestError, RestErrorCode } from './types.js';

export const STATUS_OF: Record<RestErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  GONE: 410,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
  MALFORMED_BODY: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_ACCEPTABLE: 406,
  PAYLOAD_TOO_LARGE: 413,
  PROVIDER_UNAVAILABLE: 502,
  IDENTITY_EMAIL_IN_USE: 409,
  IDENTITY_ALREADY_LINKED: 409,
  PROVIDER_SIGNUP_DISABLED: 403,
  LAST_SIGN_IN_METHOD: 409,
};

/** Multi-factor codes as the legacy dialects know them (see RestErrorCode). */
const LEGACY_CODE_OF: Record<string, RestErrorCode> = {
  MFA_REQUIRED: 'UNAUTHENTICATED',
  MFA_TICKET_INVALID: 'UNAUTHENTICATED',
  MFA_CODE_INVALID: 'UNAUTHENTICATED',
  MFA_ENROLLMENT_REQUIRED: 'FORBIDDEN',
  REAUTH_REQUIRED: 'FORBIDDEN',
};

const MFA_REQUIRED_MESSAGE =
  'This account has a second factor: signing in needs a code from the authenticator app or a passkey, which this sign-in cannot take. Sign in through GraphQL (login, then verifyMfa).';

/** An operation ready to run: parsed and validated. */
export interface CompiledOperation {
  document: DocumentNode;
  /** Its definition, for authentication's before/after rules (API key scopes, session cache). */
  definition: OperationDefinitionNode | null;
}

/** Validates a generated operation document; throws at start-up when it does not fit the schema. */
export function compileOperation(schema: GraphQLSchema, document: DocumentNode, label: string): CompiledOperation {
  const problems = validate(schema, document);
  if (problems.length) throw new Error(`REST route ${label}: invalid GraphQL operation: ${problems.map((p) => p.message).join('; ')}`);
  return { document, definition: getOperationAST(document) ?? null };
}

/**
 * An operation a request mapper runs besides its route's own (dialect 004
 * looks up ids by username). Listed in its dialect's `helperOperations`, it is
 * compiled with the routes at start-up, so a mistake in it stops the server
 * there rather than failing the first request that needs it.
 */
export class HelperOperation<Data, Variables> {
  private compiled?: { schema: GraphQLSchema; operation: CompiledOperation };

  constructor(
    readonly document: TypedDocumentNode<Data, Variables>,
    readonly label: string,
  ) {}

  compile(schema: GraphQLSchema): void {
    this.compiled = { schema, operation: compileOperation(schema, this.document, this.label) };
  }

  run(variables: Variables, ctx: Context): Promise<OperationResult<Data>> {
    if (!this.compiled) throw new Error(`REST helper operation ${this.label} was not compiled: list it in its dialect's helperOperations`);
    return runOperation<Data>(this.compiled.schema, this.compiled.operation, variables as Record<string, unknown>, ctx);
  }
}

/** Any thrown value as a RestError: typed errors keep their code and fields, the rest is masked. */
export function toRestError(raw: unknown, logger: Logger): RestError {
  if (raw instanceof HttpProblem) return { code: raw.code, status: raw.status, message: raw.message, fields: [] };
  const error = raw instanceof GraphQLError && raw.originalError ? raw.originalError : raw;
  const path = raw instanceof GraphQLError ? raw.path : undefined;
  if (error instanceof GraphQLError && isExpected(error)) {
    // Our typed errors carry a code; GraphQL's own (variable coercion) do not: they are bad input.
    const given = (error.extensions?.code as string | undefined) ?? 'BAD_USER_INPUT';
    const code = LEGACY_CODE_OF[given] ?? given;
    const known = code in STATUS_OF ? code : 'BAD_USER_INPUT';
    const fields = Array.isArray(error.extensions?.fields) ? (error.extensions.fields as FieldError[]) : [];
    const retryAfter = Number(error.extensions?.retryAfter) || undefined;
    // A legacy sign-in cannot carry the GraphQL ticket: say what is needed instead (a dialect that takes a code says how).
    const message = given === 'MFA_REQUIRED' ? MFA_REQUIRED_MESSAGE : error.message;
    const mfa = given in LEGACY_CODE_OF ? { mfaCode: given } : {};
    return { code: known, status: STATUS_OF[known], message, fields, path, ...(retryAfter ? { retryAfter } : {}), ...mfa };
  }
  const masked = maskUnexpected(error, logger, 'REST route', { path });
  return { ...masked, status: STATUS_OF[masked.code], fields: [], path };
}

export type OperationResult<Data> = { ok: true; data: Data } | { ok: false; errors: RestError[] };

export async function runOperation<Data>(
  schema: GraphQLSchema,
  operation: CompiledOperation,
  variables: Record<string, unknown>,
  ctx: Context,
): Promise<OperationResult<Data>> {
  // The same rules as Apollo's authenticationPlugin: REST runs operations outside Apollo.
  try {
    ctx.auth.beforeOperation(ctx.viewer, operation.definition);
  } catch (error) {
    return { ok: false, errors: [toRestError(error, ctx.logger)] };
  }
  const result = await execute({ schema, document: operation.document, variableValues: variables, contextValue: ctx });
  ctx.auth.afterOperation(operation.definition);
  if (result.errors?.length) return { ok: false, errors: result.errors.map((e) => toRestError(e, ctx.logger)) };
  // The document was validated against this schema, so the data has the document's shape.
  return { ok: true, data: (result.data ?? {}) as Data };
}
