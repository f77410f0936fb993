// Small steps many tests share: sign up a user, sign in, sign in as the admin.
import crypto from 'node:crypto';
import { LoginDocument, RegisterDocument, type AuthFieldsFragment } from '../__generated__/graphql';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type GraphQLResponse, type TestServer } from './server';

export const PASSWORD = 'correct-horse-1';

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}@example.com`;
}

/** Six random hex characters, to keep names (usernames, role names) unique across tests. */
export function uniqueTag(): string {
  return crypto.randomBytes(3).toString('hex');
}

/** Registers a user and signs them in; returns their session. */
export async function signUp(server: TestServer, overrides: { email?: string; username?: string; password?: string } = {}): Promise<AuthFieldsFragment> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? PASSWORD;
  dataOf(await server.gql(RegisterDocument, { input: { email, password, username: overrides.username } }));
  return signIn(server, email, password);
}

export async function signIn(server: TestServer, identifier: string, password: string): Promise<AuthFieldsFragment> {
  return dataOf(await server.gql(LoginDocument, { identifier, password })).login;
}

export function signInAsAdmin(server: TestServer): Promise<AuthFieldsFragment> {
  return signIn(server, ADMIN_EMAIL, ADMIN_PASSWORD);
}

/** The single error of a response, asserting there is exactly one. */
export function onlyError<T>(response: GraphQLResponse<T>) {
  expect(response.errors).toHaveLength(1);
  return response.errors![0];
}

export function expectCode<T>(response: GraphQLResponse<T>, code: string): void {
  expect(onlyError(response).extensions?.code).toBe(code);
}

/** Asserts the response's single error has this code and message (and, when given, exactly these field errors). */
export function expectError<T>(response: GraphQLResponse<T>, code: string, message: string, fields?: Array<{ field: string; message: string }>): void {
  const error = onlyError(response);
  expect({ code: error.extensions?.code, message: error.message }).toEqual({ code, message });
  if (fields) expect(error.extensions?.fields).toEqual(fields);
}

/** The data of a response, asserting it has no errors: typed, instead of `result.data!`. */
export function dataOf<T>(response: GraphQLResponse<T>): T {
  expect(response.errors).toBeUndefined();
  expect(response.data).toBeDefined();
  return response.data!;
}

/** Waits `ms` milliseconds (throttle windows, lock expiry; never a timing assertion). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
