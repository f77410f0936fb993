import { Field, ID, ObjectType } from 'type-graphql';
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
