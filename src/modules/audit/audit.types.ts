import { Page } from '../../common/page.types.js';
import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';

@ObjectType({ description: 'A security event: sign-ins and failures, credential and role changes, admin actions.' })
export class AuditEvent {
  @Field(() => ID)
  id: string;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => String, { description: 'e.g. login.succeeded, login.failed, password.changed, role.assigned.' })
  type: string;

  @Field(() => ID, { nullable: true, description: 'The user who acted, when known.' })
  actorId: number | null;

  @Field(() => ID, { nullable: true, description: 'The user acted upon, when there is one.' })
  subjectUserId: number | null;

  @Field(() => ID, { nullable: true })
  applicationId: number | null;

  @Field(() => String, { nullable: true })
  ip: string | null;

  @Field(() => String, { nullable: true })
  userAgent: string | null;

  @Field(() => JSONObjectResolver)
  details: Record<string, unknown>;
}

export const AuditEventPage = Page(AuditEvent, 'security events, newest first');
export type AuditEventPage = InstanceType<typeof AuditEventPage>;

@InputType()
export class AuditEventsFilter {
  @Field(() => String, { nullable: true, description: 'Exact type, or a prefix ending in a dot (e.g. `login.`).' })
  type?: string | null;

  @Field(() => ID, { nullable: true, description: 'Events where this user acted or was acted upon.' })
  userId?: string | null;

  @Field(() => Date, { nullable: true })
  since?: Date | null;
}
