// Crafter addresses users by username; the mutations take ids. The id comes
// from the `userByUsername` query, run in-process like any route's operation,
// so its access rule (admin or self) and its errors apply unchanged. The
// dialect lists the query in helperOperations: it is validated at start-up.
import type { Context } from '../../graphql/context.js';
import { HttpProblem } from '../framework/body.js';
import { HelperOperation } from '../framework/executor.js';
import { RestD004UserIdDocument } from '../__generated__/operations.js';

export const userIdByUsername = new HelperOperation(RestD004UserIdDocument, 'd004 userByUsername');

export async function userIdOf(ctx: Context, username: string): Promise<string> {
  const result = await userIdByUsername.run({ username }, ctx);
  if (!result.ok) {
    const [error] = result.errors;
    throw new HttpProblem(error.code, error.status, error.message);
  }
  return result.data.userByUsername.id;
}
