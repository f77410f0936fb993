// Small steps many tests share: sign up a user, sign in, sign in as the admin.
import crypto from 'node:crypto';
import { LoginDocument, RegisterDocument, type AuthFieldsFragment } from '../__generated__/graphql';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type GraphQLResponse, type TestServer } from './server';

export const PASSWORD = 'correct-horse-1';

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}@example.com`;
}

/** Registers a user and signs them in; returns their session. */
export async function signUp(server: TestServer, overrides: { email?: string; username?: string; password?: string } = {}): Promise<AuthFieldsFragment> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? PASSWORD;
  const registered = await server.gql(RegisterDocument, { input: { email, password, username: overrides.username } });
  expect(registered.errors).toBeUndefined();
  return signIn(server, email, password);
}

export async function signIn(server: TestServer, identifier: string, password: string): Promise<AuthFieldsFragment> {
  const result = await server.gql(LoginDocument, { identifier, password });
  expect(result.errors).toBeUndefined();
  return result.data!.login;
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
