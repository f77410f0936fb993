import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An API client registered by an admin. Its secret is never shown again.' })
export class Application {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  name: string;

  @Field(() => String, { description: 'Public identifier, sent as `application_id <uid>`.' })
  uid: string;

  @Field(() => Date)
  createdAt: Date;
}

@ObjectType({ description: 'Returned once, when an application is created: store the secret now.' })
export class ApplicationCredentials {
  @Field(() => ID)
  id: number;

  @Field(() => String)
  name: string;

  @Field(() => String)
  uid: string;

  @Field(() => String, { description: 'Shown only here; the server keeps a hash.' })
  secret: string;

  @Field(() => Date)
  createdAt: Date;
}
