// Crafter addresses users by username; the mutations take ids. The id comes
// from the `userByUsername` query, run in-process like any route's operation,
// so its access rule (admin or self) and its errors apply unchanged.
import type { DocumentNode } from 'graphql';
import type { Context } from '../../graphql/context.js';
import { getSchema } from '../../graphql/schema.js';
import { HttpProblem } from '../framework/body.js';
import { compileOperation, runOperation } from '../framework/executor.js';

const OPERATION = /* GraphQL */ `
  query RestD004UserId($username: String!) { userByUsername(username: $username) { id } }`;

let compiled: DocumentNode | undefined;

export async function userIdOf(ctx: Context, username: string): Promise<string> {
  const schema = await getSchema();
  compiled ??= compileOperation(schema, OPERATION, 'd004 userByUsername');
  const result = await runOperation(schema, compiled, { username }, ctx);
  if (!result.ok) {
    const [error] = result.errors;
    throw new HttpProblem(error.code, error.status, error.message);
  }
  return (result.data.userByUsername as { id: string }).id;
}
