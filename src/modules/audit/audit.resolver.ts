import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { AuditEvent, AuditEventPage, AuditEventsFilter } from './audit.types.js';
import { listAuditEvents } from './audit.service.js';

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Query(() => AuditEventPage, { description: 'Admin: security events, newest first.' })
  auditEvents(
    @Ctx() ctx: Context,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('pageSize', () => Int, { nullable: true }) pageSize?: number | null,
    @Arg('filter', () => AuditEventsFilter, { nullable: true }) filter?: AuditEventsFilter | null,
  ) {
    return listAuditEvents(ctx, page, pageSize, filter);
  }
}
