// Issue 13: multi-factor authentication, over HTTP against the real server.
// Access tokens say how their session signed in (`amr`, `aal`), checked by
// jose against the server's JWKS; a refresh keeps the session's methods.
import { LoginDocument, MeDocument, RefreshSessionDocument } from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { PASSWORD, signUp, uniqueEmail } from './support/fixtures';
import { verifyWithJose } from './support/jose';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('authentication methods in access tokens', () => {
  it('signs a password login as amr ["pwd"], aal1, and a refresh keeps them', async () => {
    const email = uniqueEmail('amr');
    const registered = await signUp(server, { email });
    const login = await server.gql(LoginDocument, { identifier: email, password: PASSWORD });
    expect(login.errors).toBeUndefined();
    const session = login.data!.login;
    const me = await server.gql(MeDocument, {}, { token: session.accessToken });
    expect(me.data?.me?.id).toBe(registered.user.id);

    const refreshed = await server.gql(RefreshSessionDocument, { refreshToken: session.refreshToken });
    expect(refreshed.errors).toBeUndefined();
    const [first, second] = await verifyWithJose(server, [session.accessToken, refreshed.data!.refreshSession.accessToken]);
    expect(first).toMatchObject({ ok: true, payload: { sub: registered.user.id, uid: session.session.id, amr: ['pwd'], aal: 'aal1' } });
    expect(second).toMatchObject({ ok: true, payload: { uid: session.session.id, amr: ['pwd'], aal: 'aal1' } });
  });
});
