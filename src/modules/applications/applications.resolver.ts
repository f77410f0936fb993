import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { Application, ApplicationCredentials } from './applications.types.js';
import * as applications from './applications.service.js';

@Resolver(() => Application)
export class ApplicationsResolver {
  @Mutation(() => ApplicationCredentials, { description: 'Admin: registers an API client. The secret is shown only in this answer.' })
  createApplication(@Ctx() ctx: Context, @Arg('name', () => String) name: string) {
    return applications.createApplication(ctx, name);
  }

  @Query(() => [Application], { description: 'Admin: every registered API client.' })
  applications(@Ctx() ctx: Context) {
    return applications.listApplications(ctx);
  }

  @Mutation(() => Boolean, { description: 'Admin: removes an API client; its credentials stop working.' })
  deleteApplication(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return applications.deleteApplication(ctx, id);
  }
}
