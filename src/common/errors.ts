// Typed errors with a stable `extensions.code`. Services throw these; GraphQL
// passes them to clients as they are, and each REST dialect maps the codes to
// its own statuses and bodies. Anything else is masked in formatError.
import { GraphQLError } from 'graphql';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'GONE'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'SERVICE_UNAVAILABLE'
  | 'PROVIDER_UNAVAILABLE'
  | 'IDENTITY_EMAIL_IN_USE'
  | 'IDENTITY_ALREADY_LINKED'
  | 'PROVIDER_SIGNUP_DISABLED'
  | 'LAST_SIGN_IN_METHOD'
  | 'INTERNAL_SERVER_ERROR'
  // Multi-factor authentication (src/modules/mfa/second-factor.ts).
  | 'MFA_REQUIRED'
  | 'MFA_TICKET_INVALID'
  | 'MFA_CODE_INVALID'
  | 'MFA_ENROLLMENT_REQUIRED'
  | 'REAUTH_REQUIRED';

export interface FieldError {
  /** Input path, e.g. `input.email` or `input.profile.birthDate`. */
  field: string;
  message: string;
}

export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export class AuthenticationError extends AppError {
  constructor(message = 'You must be signed in to do this.') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this.') {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} was not found.`);
  }
}

export class GoneError extends AppError {
  constructor(what: string) {
    super('GONE', `${what} has been deleted.`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, field?: string) {
    super('CONFLICT', message, field ? { fields: [{ field, message }] } : {});
  }
}

/** An upload over a size limit. Over HTTP the whole response is 413 (Apollo reads `extensions.http`). */
export class PayloadTooLargeError extends AppError {
  constructor(message: string, field?: string) {
    super('PAYLOAD_TOO_LARGE', message, { http: { status: 413 }, ...(field ? { fields: [{ field, message }] } : {}) });
  }
}

export class ValidationError extends AppError {
  readonly fields: FieldError[];
  constructor(fields: FieldError[]) {
    const message = fields.length === 1 ? fields[0].message : `${fields.length} fields are invalid: ${fields.map((f) => f.field).join(', ')}.`;
    super('BAD_USER_INPUT', message, { fields });
    this.fields = fields;
  }
}

/** Collects field errors and throws them together, so a client can fix all at once. */
export class FieldErrors {
  private readonly errors: FieldError[] = [];
  add(field: string, message: string): this {
    this.errors.push({ field, message });
    return this;
  }
  get empty(): boolean {
    return this.errors.length === 0;
  }
  throwIfAny(): void {
    if (this.errors.length) throw new ValidationError(this.errors);
  }
}

/**
 * Prisma's "unique constraint failed" error, as the text of what it names
 * (fields or index, which differ between driver adapters), or null.
 */
export function uniqueViolation(error: unknown): string[] | null {
  const e = error as { code?: string; meta?: unknown } | null;
  if (e?.code !== 'P2002') return null;
  return [JSON.stringify(e.meta ?? {})];
}
