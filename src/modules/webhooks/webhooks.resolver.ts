import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context.js';
import { WebhookDeliveryStatus } from '../../generated/prisma/enums.js';
import { Webhook, WebhookDelivery, WebhookDeliveryPage, WebhookInput, WebhookUpdateInput, WebhookWithSecret } from './webhooks.types.js';
import * as webhooks from './webhooks.service.js';

@Resolver(() => Webhook)
export class WebhooksResolver {
  @Query(() => [Webhook], { description: 'Admin: the webhook endpoints.' })
  webhooks(@Ctx() ctx: Context) {
    return webhooks.listWebhooks(ctx);
  }

  @Query(() => WebhookDeliveryPage, { description: "Admin: one endpoint's deliveries, newest first, optionally of one status." })
  webhookDeliveries(
    @Ctx() ctx: Context,
    @Arg('webhookId', () => ID) webhookId: string,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true }) status?: WebhookDeliveryStatus | null,
    @Arg('page', () => Int, { nullable: true }) page?: number | null,
    @Arg('pageSize', () => Int, { nullable: true }) pageSize?: number | null,
  ) {
    return webhooks.listDeliveries(ctx, webhookId, status, page, pageSize);
  }

  @Mutation(() => WebhookWithSecret, {
    description: 'Admin: a new endpoint, and its signing secret (shown this once). The URL must resolve to a public address.',
  })
  createWebhook(@Ctx() ctx: Context, @Arg('input', () => WebhookInput) input: WebhookInput) {
    return webhooks.createWebhook(ctx, input);
  }

  @Mutation(() => Webhook, { description: 'Admin: changes an endpoint; `enabled: true` re-enables a disabled one.' })
  updateWebhook(@Ctx() ctx: Context, @Arg('id', () => ID) id: string, @Arg('input', () => WebhookUpdateInput) input: WebhookUpdateInput) {
    return webhooks.updateWebhook(ctx, id, input);
  }

  @Mutation(() => Boolean, { description: 'Admin: deletes an endpoint and its delivery log.' })
  deleteWebhook(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return webhooks.deleteWebhook(ctx, id);
  }

  @Mutation(() => WebhookWithSecret, { description: 'Admin: replaces the signing secret at once (shown this once).' })
  rotateWebhookSecret(@Ctx() ctx: Context, @Arg('id', () => ID) id: string) {
    return webhooks.rotateWebhookSecret(ctx, id);
  }

  @Mutation(() => [WebhookDelivery], { description: 'Admin: sends an event again (same webhook-id), to one endpoint or to every endpoint it went to.' })
  redeliverWebhookEvent(@Ctx() ctx: Context, @Arg('id', () => ID) id: string, @Arg('webhookId', () => ID, { nullable: true }) webhookId?: string | null) {
    return webhooks.redeliverEvent(ctx, id, webhookId);
  }
}
