// usergraph as an Apollo Federation 2 subgraph (FEDERATION=true): an
// @apollo/gateway composes it (IntrospectAndCompose) with a small "reviews"
// subgraph written here, which extends User with a field and references
// Video, and forwards the caller's Authorization header to both. Through the
// gateway: data from both subgraphs, the same privacy as usergraph's own
// queries, and N entity references in one batch (counted in SQL statements
// from /metrics). Directly: `_service { sdl }`, `_entities` on unknown or
// malformed references, and the HTTP settings that stay as they were.
import fs from 'node:fs/promises';
import { parse } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import {
  CreateOrganisationDocument,
  CreateRoleDocument,
  CreateTeamDocument,
  SetOrganisationMemberDocument,
  UpdateMeDocument,
  UploadVideoDocument,
} from './__generated__/graphql';
import { startTestServer, type TestServer } from './support/server';
import { statementsDuring } from './support/metrics';
import { signInAsAdmin, signUp, dataOf } from './support/fixtures';
import { makeVideo, multipart, scratchDir } from './support/media';
import type { JsonBody } from './support/rest';

interface Caller {
  token: string;
  id: string;
  email: string;
}

interface GatewayContext {
  authorization?: string;
}

interface GraphQLBody {
  data?: Record<string, JsonBody> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

let usergraph: TestServer;
let dir: string;
let alice: Caller;
let bob: Caller;
let admin: Caller;
let aliceVideo: { id: string; name: string };
let reviews: { id: string; body: string; authorId: string; videoId: string | null }[];
const reviewsSeenAuthorization: (string | undefined)[] = [];
let reviewsServer: ApolloServer<GatewayContext>;
let gatewayServer: ApolloServer<GatewayContext>;
let gatewayUrl: string;

/** The "reviews" subgraph: Review, and a reviewCount on User that usergraph knows nothing about. */
const reviewsTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type User @key(fields: "id") {
    id: ID!
    reviewCount: Int!
  }

  type Video @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type Review {
    id: ID!
    body: String!
    author: User!
    video: Video
  }

  type Query {
    reviews: [Review!]!
    "Users picked by id, for the batching test."
    featuredUsers(ids: [ID!]!): [User!]!
  }
`);

async function startReviewsSubgraph(): Promise<string> {
  const resolvers = {
    Query: {
      reviews: (_root: unknown, _args: unknown, ctx: GatewayContext) => {
        reviewsSeenAuthorization.push(ctx.authorization);
        return reviews;
      },
      featuredUsers: (_root: unknown, { ids }: { ids: string[] }) => ids.map((id) => ({ id })),
    },
    Review: {
      author: (review: (typeof reviews)[number]) => ({ __typename: 'User', id: review.authorId }),
      video: (review: (typeof reviews)[number]) => (review.videoId ? { __typename: 'Video', id: review.videoId } : null),
    },
    User: {
      __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
      reviewCount: (user: { id: string }) => reviews.filter((r) => r.authorId === user.id).length,
    },
  };
  reviewsServer = new ApolloServer<GatewayContext>({
    schema: buildSubgraphSchema([{ typeDefs: reviewsTypeDefs, resolvers }]),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(reviewsServer, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return url;
}

/** The gateway, configured as the README says: the caller's Authorization header goes to every subgraph. */
async function startGateway(reviewsUrl: string): Promise<string> {
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: 'usergraph', url: `${usergraph.url}/graphql` },
        { name: 'reviews', url: reviewsUrl },
      ],
    }),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set('authorization', context.authorization);
        },
      }),
  });
  gatewayServer = new ApolloServer<GatewayContext>({ gateway });
  const { url } = await startStandaloneServer(gatewayServer, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return url;
}

async function post(url: string, query: string, token?: string | null, variables?: Record<string, unknown>): Promise<{ status: number; body: GraphQLBody }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLBody };
}

function throughGateway(query: string, token?: string | null, variables?: Record<string, unknown>) {
  return post(gatewayUrl, query, token, variables);
}

function usergraphDirect(query: string, token?: string | null, variables?: Record<string, unknown>) {
  return post(`${usergraph.url}/graphql`, query, token, variables);
}

async function session(promise: ReturnType<typeof signUp>): Promise<Caller> {
  const auth = await promise;
  return { token: auth.accessToken, id: auth.user.id, email: auth.user.email! };
}

beforeAll(async () => {
  dir = await scratchDir();
  let clip: string;
  [usergraph, clip] = await Promise.all([
    // No trim or webhook delivery workers (they poll the database) and a long
    // session cache, so that the statements counted are those of the requests
    // under test.
    startTestServer({ FEDERATION: 'true', VIDEO_WORKERS: '0', WEBHOOK_WORKERS: '0', SESSION_CACHE_TTL_MS: '60000' }),
    makeVideo(dir, 'clip.mp4', { seconds: 2 }),
  ]);
  [alice, bob, admin] = await Promise.all([
    session(signUp(usergraph, { username: `alice-${process.pid}` })),
    session(signUp(usergraph, { username: `bob-${process.pid}` })),
    session(signInAsAdmin(usergraph)),
  ]);
  await usergraph.gql(UpdateMeDocument, { input: { profile: { firstName: 'Alice', birthDate: '1990-05-06' } } }, { token: alice.token });
  const uploaded = await multipart(
    usergraph,
    UploadVideoDocument,
    { file: null, name: 'Alice at the lake', trimStart: null, duration: null },
    {
      file: { data: await fs.readFile(clip), filename: 'clip.mp4', type: 'video/mp4' },
    },
    { token: alice.token },
  );
  expect(uploaded.errors).toBeUndefined();
  aliceVideo = { id: dataOf(uploaded).uploadVideo.id, name: dataOf(uploaded).uploadVideo.name };
  reviews = [
    { id: 'r1', body: 'Lovely light.', authorId: alice.id, videoId: aliceVideo.id },
    { id: 'r2', body: 'Too short.', authorId: bob.id, videoId: null },
  ];
  gatewayUrl = await startGateway(await startReviewsSubgraph());
}, 180_000);

afterAll(async () => {
  await gatewayServer?.stop();
  await reviewsServer?.stop();
  await usergraph?.stop();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

const REVIEWS_QUERY = `
  query Reviews {
    me { id username email reviewCount }
    reviews {
      body
      author { id username email statusMessage profile { firstName birthDate } reviewCount }
      video { id name status }
    }
  }
`;

describe('through the gateway', () => {
  it('answers with data from both subgraphs, for the user whose token it forwarded', async () => {
    const { status, body } = await throughGateway(REVIEWS_QUERY, alice.token);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(dataOf(body).me).toEqual({ id: alice.id, username: `alice-${process.pid}`, email: alice.email, reviewCount: 1 });
    expect(dataOf(body).reviews[0]).toEqual({
      body: 'Lovely light.',
      author: {
        id: alice.id,
        username: `alice-${process.pid}`,
        email: alice.email,
        statusMessage: null,
        profile: { firstName: 'Alice', birthDate: '1990-05-06' },
        reviewCount: 1,
      },
      video: { id: aliceVideo.id, name: aliceVideo.name, status: 'QUEUED' },
    });
    expect(reviewsSeenAuthorization.at(-1)).toBe(`Bearer ${alice.token}`);
  });

  it("keeps another user's private fields null, as usergraph's own queries do", async () => {
    const { body } = await throughGateway(REVIEWS_QUERY, alice.token);
    // Bob, seen by Alice: public fields only.
    expect(dataOf(body).reviews[1].author).toEqual({
      id: bob.id,
      username: `bob-${process.pid}`,
      email: null,
      statusMessage: null,
      profile: { firstName: null, birthDate: null },
      reviewCount: 1,
    });

    // Alice, seen by Bob: no email, no birth date, and not her video.
    const seenByBob = await throughGateway(REVIEWS_QUERY, bob.token);
    expect(dataOf(seenByBob.body).me).toMatchObject({ id: bob.id, email: bob.email });
    const aliceSeenByBob = dataOf(seenByBob.body).reviews[0];
    expect(aliceSeenByBob.author).toEqual({
      id: alice.id,
      username: `alice-${process.pid}`,
      email: null,
      statusMessage: null,
      profile: { firstName: 'Alice', birthDate: null },
      reviewCount: 1,
    });
    expect(JSON.stringify(seenByBob.body)).not.toContain(aliceVideo.name);

    // An admin sees everything, as with user(id).
    const seenByAdmin = await throughGateway(REVIEWS_QUERY, admin.token);
    expect(dataOf(seenByAdmin.body).reviews[0].author).toMatchObject({ email: alice.email, profile: { birthDate: '1990-05-06' } });
    expect(dataOf(seenByAdmin.body).reviews[0].video).toEqual({ id: aliceVideo.id, name: aliceVideo.name, status: 'QUEUED' });
  });

  it('resolves no usergraph entity for an anonymous caller', async () => {
    const { body } = await throughGateway('{ reviews { body author { id username } video { id name } } }', null);
    // The reviews subgraph still answers; what usergraph would add stays null.
    expect(body.data).toEqual({
      reviews: [
        { body: 'Lovely light.', author: { id: alice.id, username: null }, video: null },
        { body: 'Too short.', author: { id: bob.id, username: null }, video: null },
      ],
    });
    expect(reviewsSeenAuthorization.at(-1)).toBeUndefined();
  });

  it('loads N entity references in one batch (SQL statements do not grow with N)', async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => session(signUp(usergraph))));
    const query = 'query Featured($ids: [ID!]!) { featuredUsers(ids: $ids) { id username reviewCount profile { firstName } roles { name } } }';
    // Warm up: the caller's session is read once, then cached.
    expect((await throughGateway(query, alice.token, { ids: [alice.id] })).body.errors).toBeUndefined();

    let one: GraphQLBody = {};
    const forOne = await statementsDuring(usergraph, async () => ({ body: one } = await throughGateway(query, alice.token, { ids: [users[0].id] })));
    let many: GraphQLBody = {};
    const ids = [...users.map((u) => u.id), bob.id, alice.id];
    const forMany = await statementsDuring(usergraph, async () => ({ body: many } = await throughGateway(query, alice.token, { ids })));

    expect(one.errors).toBeUndefined();
    expect(many.errors).toBeUndefined();
    expect(dataOf(many).featuredUsers.map((u: { id: string }) => u.id)).toEqual(ids);
    expect(dataOf(many).featuredUsers.at(-1)).toEqual({
      id: alice.id,
      username: `alice-${process.pid}`,
      reviewCount: 1,
      profile: { firstName: 'Alice' },
      roles: [],
    });
    // users, profiles, roles: one statement each, whatever the number of references.
    expect({ forOne, forMany }).toEqual({ forOne: 3, forMany: 3 });
  });
});

describe('the subgraph itself', () => {
  it('publishes its SDL with a key on each entity, as committed in schema.subgraph.graphql', async () => {
    const { body } = await usergraphDirect('{ _service { sdl } }');
    expect(body.errors).toBeUndefined();
    const sdl: string = dataOf(body)._service.sdl;
    for (const type of ['User', 'Video', 'Organisation', 'Team', 'Role']) {
      expect(sdl).toMatch(new RegExp(`type ${type}\\s+@key\\(fields: "id"\\)`));
    }
    const committed = await fs.readFile(`${__dirname}/../schema.subgraph.graphql`, 'utf8');
    expect(committed).toContain('@link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])');
    expect(committed.match(/@key\(fields: "id"\)/g)).toHaveLength(5);
    // The standalone schema has none of it.
    const standalone = await fs.readFile(`${__dirname}/../schema.graphql`, 'utf8');
    expect(standalone).not.toMatch(/_service|_entities|_Any|@key|@link/);
  });

  it('answers null, without an error, for references it cannot or may not resolve', async () => {
    const representations = [
      { __typename: 'User', id: '999999' },
      { __typename: 'User', id: 'not-a-number' },
      { __typename: 'User', id: alice.id },
      { __typename: 'Video', id: '00000000-0000-4000-8000-000000000000' },
      { __typename: 'Video', id: "1' OR 1=1 --" },
      { __typename: 'Video', id: aliceVideo.id },
      { __typename: 'Organisation', id: '1' },
      { __typename: 'Team', id: '424242' },
      { __typename: 'Role', id: '424242' },
    ];
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on User { id email } ... on Video { name } } }';
    const asBob = await usergraphDirect(query, bob.token, { r: representations });
    expect(asBob.status).toBe(200);
    expect(asBob.body).toEqual({
      data: { _entities: [null, null, { __typename: 'User', id: alice.id, email: null }, null, null, null, null, null, null] },
    });
    const anonymous = await usergraphDirect(query, null, { r: representations });
    expect(anonymous.body).toEqual({ data: { _entities: representations.map(() => null) } });
  });

  it('resolves a team, an organisation, a role and a video only for those their own queries allow', async () => {
    const team = dataOf(await usergraph.gql(CreateTeamDocument, { input: { name: 'Lake crew' } }, { token: alice.token })).createTeam;
    const organisation = dataOf(await usergraph.gql(CreateOrganisationDocument, { input: { name: 'Lake club' } }, { token: admin.token })).createOrganisation;
    expect(
      (await usergraph.gql(SetOrganisationMemberDocument, { organisationId: organisation.id, userId: alice.id, roles: [] }, { token: admin.token })).errors,
    ).toBeUndefined();
    const role = dataOf(await usergraph.gql(CreateRoleDocument, { input: { name: `swimmer-${process.pid}` } }, { token: admin.token })).createRole;
    const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      __typename ... on Team { name } ... on Organisation { name } ... on Role { name } ... on Video { name } } }`;
    const r = [
      { __typename: 'Team', id: team.id },
      { __typename: 'Organisation', id: organisation.id },
      { __typename: 'Role', id: role.id },
      { __typename: 'Video', id: aliceVideo.id },
    ];
    const everything = [
      { __typename: 'Team', name: 'Lake crew' },
      { __typename: 'Organisation', name: 'Lake club' },
      { __typename: 'Role', name: `swimmer-${process.pid}` },
      { __typename: 'Video', name: aliceVideo.name },
    ];
    // Alice owns the team and the video and belongs to the organisation; an admin sees all; Bob only the role.
    expect((await usergraphDirect(query, alice.token, { r })).body).toEqual({ data: { _entities: everything } });
    expect((await usergraphDirect(query, admin.token, { r })).body).toEqual({ data: { _entities: everything } });
    expect((await usergraphDirect(query, bob.token, { r })).body).toEqual({ data: { _entities: [null, null, everything[2], null] } });
    expect((await usergraphDirect(query, null, { r })).body).toEqual({ data: { _entities: [null, null, null, null] } });
  });

  it('refuses a representation of no entity type with BAD_USER_INPUT naming it', async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }';
    const { body } = await usergraphDirect(query, alice.token, { r: [{ __typename: 'User', id: alice.id }, { __typename: 'Session', id: '1' }, { id: '2' }] });
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toEqual({
      message: '2 fields are invalid: representations.1.__typename, representations.2.__typename.',
      path: ['_entities'],
      locations: expect.any(Array),
      extensions: {
        code: 'BAD_USER_INPUT',
        fields: [
          { field: 'representations.1.__typename', message: 'Must be one of User, Video, Organisation, Team, Role.' },
          { field: 'representations.2.__typename', message: 'Must be one of User, Video, Organisation, Team, Role.' },
        ],
      },
    });
  });

  it('refuses more than 1000 representations in one request', async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }';
    const r = Array.from({ length: 1001 }, (_, i) => ({ __typename: 'User', id: String(i + 1) }));
    const { body } = await usergraphDirect(query, alice.token, { r });
    expect(body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', 'At most 1000 representations in one request, got 1001.']]);
  });

  it('keeps the landing page, introspection and CSRF prevention as without federation', async () => {
    const page = await fetch(`${usergraph.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('embeddable-sandbox.cdn.apollographql.com');

    const introspection = await usergraphDirect('{ __schema { queryType { name } } }');
    expect(introspection.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });

    const csrf = await fetch(`${usergraph.url}/graphql?${new URLSearchParams({ query: '{ _service { sdl } }' })}`);
    expect(csrf.status).toBe(400);
    expect(((await csrf.json()) as GraphQLBody).errors![0].extensions).toEqual({ code: 'BAD_REQUEST' });
  });
});
