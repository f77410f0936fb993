import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A named set of permissions. The `admin` role grants administration.' })
export class Role {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  name: string;

  @Field(() => String, { nullable: true })
  description: string | null;

  @Field(() => Boolean, { description: 'Unchangeable roles cannot be renamed or deleted.' })
  unchangeable: boolean;

  @Field(() => Date)
  createdAt: Date;

  @Field(() => Date)
  updatedAt: Date;
}
