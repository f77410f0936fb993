import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { WebhookDeliveryStatus } from '../../generated/prisma/enums.js';
import { Page } from '../../common/page.types.js';

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'PENDING (due now or at nextAttemptAt), DELIVERING (a worker is sending it), DELIVERED (answered 2xx), FAILED (every retry failed).',
});

@ObjectType({ description: 'Admin: an endpoint that receives signed webhook deliveries (Standard Webhooks).' })
export class Webhook {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  url: string;

  @Field(() => [String], {
    description:
      'Event types delivered: user.created, user.updated, user.deleted, user.confirmed, session.created, session.revoked, role.assigned, role.removed, video.ready, video.failed.',
  })
  events: string[];

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => Boolean, { description: 'False once disabled, by an admin or after WEBHOOK_DISABLE_AFTER_FAILURES failed deliveries in a row.' })
  enabled: boolean;

  @Field(() => Date, { nullable: true })
  disabledAt: Date | null;

  @Field(() => String, { nullable: true })
  disabledReason: string | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  updatedAt: Date;
}

@ObjectType({ description: 'An endpoint with its signing secret, shown only by createWebhook and rotateWebhookSecret.' })
export class WebhookWithSecret {
  @Field(() => Webhook)
  webhook: Webhook;

  @Field(() => String, {
    description: '`whsec_` and base64: give it to the receiver, which verifies deliveries with a Standard Webhooks library. It cannot be read again.',
  })
  secret: string;
}

@InputType()
export class WebhookInput {
  @Field(() => String)
  url: string;

  @Field(() => [String])
  events: string[];

  @Field(() => String, { nullable: true })
  description?: string | null;
}

@InputType()
export class WebhookUpdateInput {
  @Field(() => String, { nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true })
  events?: string[] | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'True re-enables a disabled endpoint (and forgets its failures).' })
  enabled?: boolean | null;
}

@ObjectType({ description: 'One event sent (or to be sent) to one endpoint.' })
export class WebhookDelivery {
  @Field(() => ID)
  id: string;

  @Field(() => ID, { description: 'The event, also the `webhook-id` header (the same on every attempt and redelivery).' })
  eventId: string;

  @Field(() => String)
  eventType: string;

  @Field(() => ID)
  webhookId: number;

  @Field(() => WebhookDeliveryStatus)
  status: WebhookDeliveryStatus;

  @Field(() => Int)
  attempts: number;

  @Field(() => Int, { nullable: true, description: 'HTTP status of the last answer.' })
  responseStatus: number | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed.' })
  lastError: string | null;

  @Field(() => Date, { nullable: true })
  lastAttemptAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due, while PENDING.' })
  nextAttemptAt: Date | null;

  @Field(() => Date, { nullable: true })
  deliveredAt: Date | null;

  @Field(() => Date)
  createdAt: Date;
}

export const WebhookDeliveryPage = Page(WebhookDelivery, 'webhookDeliveries, newest first');
export type WebhookDeliveryPage = InstanceType<typeof WebhookDeliveryPage>;
