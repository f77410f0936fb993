// Application credentials: admin only; the secret is shown once and stored hashed.
import { ApplicationsDocument, CreateApplicationDocument, DeleteApplicationDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { expectCode, onlyError, signInAsAdmin, signUp, dataOf } from './support/fixtures';

let server: TestServer;
let adminToken: string;
let userToken: string;
beforeAll(async () => {
  server = await startTestServer();
  adminToken = (await signInAsAdmin(server)).accessToken;
  userToken = (await signUp(server)).accessToken;
});
afterAll(() => server.stop());

it('lets an admin create an application and shows its secret only once', async () => {
  const created = await server.gql(CreateApplicationDocument, { name: '  Mobile app  ' }, { token: adminToken });
  expect(created.errors).toBeUndefined();
  const credentials = dataOf(created).createApplication;
  expect(credentials.name).toBe('Mobile app');
  expect(credentials.uid).toMatch(/^[\w-]{32}$/);
  expect(credentials.secret).toMatch(/^[\w-]{43}$/);
  const listed = await server.gql(ApplicationsDocument, {}, { token: adminToken });
  const entry = dataOf(listed).applications.find((a) => a.id === credentials.id)!;
  expect(entry).toEqual({ id: credentials.id, name: 'Mobile app', uid: credentials.uid, createdAt: credentials.createdAt });
  expect(JSON.stringify(listed)).not.toContain(credentials.secret);
  expect(server.logs()).not.toContain(credentials.secret);
});

it.each([
  ['anonymous', () => null, 'UNAUTHENTICATED'],
  ['a user', () => userToken, 'FORBIDDEN'],
])('refuses %s', async (_who, token, code) => {
  expectCode(await server.gql(CreateApplicationDocument, { name: 'x' }, { token: token() }), code);
  expectCode(await server.gql(ApplicationsDocument, {}, { token: token() }), code);
  expectCode(await server.gql(DeleteApplicationDocument, { id: '1' }, { token: token() }), code);
});

it('requires a name of at most 100 characters', async () => {
  const empty = await server.gql(CreateApplicationDocument, { name: '   ' }, { token: adminToken });
  expect(onlyError(empty).extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'name', message: 'Name the application.' }] });
  expectCode(await server.gql(CreateApplicationDocument, { name: 'x'.repeat(101) }, { token: adminToken }), 'BAD_USER_INPUT');
});

it('deletes an application, and reports an unknown one as NOT_FOUND', async () => {
  const { id } = dataOf(await server.gql(CreateApplicationDocument, { name: 'Doomed' }, { token: adminToken })).createApplication;
  expect(dataOf(await server.gql(DeleteApplicationDocument, { id }, { token: adminToken })).deleteApplication).toBe(true);
  expectCode(await server.gql(DeleteApplicationDocument, { id }, { token: adminToken }), 'NOT_FOUND');
});
