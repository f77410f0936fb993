// GraphQL types of organisations, teams and their memberships.
import { Directive, Field, ID, InputType, ObjectType } from 'type-graphql';
import { JSONObjectResolver } from 'graphql-scalars';

@ObjectType({ description: "An organisation the user belongs to, with the user's roles in it." })
export class UserOrganisation {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  logoUrl: string | null;

  @Field(() => JSONObjectResolver)
  logoProperties: Record<string, unknown>;

  @Field(() => [String])
  currentUserRoles: string[];
}

@ObjectType({ description: "A team the user belongs to, with the user's roles in it." })
export class UserTeam {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  name: string;

  @Field(() => Boolean)
  isOwner: boolean;

  @Field(() => [String])
  currentUserRoles: string[];
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A group of users, each with roles in it. Admins manage organisations.' })
export class Organisation {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true, description: 'Public URL of the logo image, or null.' })
  logoUrl: string | null;

  @Field(() => JSONObjectResolver, { description: 'Display hints for the logo, e.g. `{"color": "#3d8bc0"}`.' })
  logoProperties: Record<string, unknown>;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  updatedAt: Date;
}

@ObjectType({ description: "A user's membership of an organisation." })
export class OrganisationMember {
  userId: number;

  @Field(() => [String])
  roles: string[];

  @Field(() => Date)
  createdAt: Date;
}

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A group of users owned by one of them, optionally within an organisation.' })
export class Team {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  name: string;

  ownerId: number;

  organisationId: number | null;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  updatedAt: Date;
}

@ObjectType({ description: "A user's membership of a team." })
export class TeamMember {
  userId: number;

  @Field(() => [String])
  roles: string[];

  @Field(() => Date)
  createdAt: Date;
}

@InputType({ description: 'An organisation to create, or its new name and logo properties.' })
export class OrganisationInput {
  @Field(() => String, { description: '1 to 100 characters.' })
  name: string;

  @Field(() => JSONObjectResolver, {
    nullable: true,
    description: 'At most 4 KB of JSON; values are strings, numbers or booleans. On update, null clears and omitting keeps them.',
  })
  logoProperties?: Record<string, unknown> | null;
}

@InputType({ description: 'A team to create, or its new name, organisation and owner.' })
export class TeamInput {
  @Field(() => String, { description: '1 to 100 characters.' })
  name: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The organisation the team belongs to; you must belong to it unless you are an admin. On update, null detaches and omitting keeps it.',
  })
  organisationId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Admin only: the owner, if not you. Omit to keep the owner on update.' })
  ownerId?: string | null;
}

@ObjectType({ description: 'An invitation to join a team, pending until you accept or decline it.' })
export class TeamInvitation {
  @Field(() => ID)
  teamId: number;

  @Field(() => String)
  teamName: string;

  ownerId: number;

  @Field(() => [String], { description: 'Your roles in the team once you accept.' })
  roles: string[];

  @Field(() => Date)
  createdAt: Date;
}
