// One page of a listing, as a GraphQL type: `Page(User, 'users, ordered by id')`
// declares `UserPage { items total page pageSize pageCount }` (type-graphql's
// generic-type pattern: a class factory, one concrete class per item type).
import { Field, Int, ObjectType, type ClassType } from 'type-graphql';

export interface PageShape<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
  pageCount: number;
}

export function Page<T extends object>(itemType: ClassType<T>, what: string) {
  @ObjectType(`${itemType.name}Page`, { description: `One page of ${what}.`, simpleResolvers: true })
  class PageClass implements PageShape<T> {
    @Field(() => [itemType])
    items: T[];

    @Field(() => Int, { description: 'Items across all pages.' })
    total: number;

    @Field(() => Int, { description: 'From 1.' })
    page: number;

    @Field(() => Int)
    pageSize: number;

    @Field(() => Int, { description: 'At least 1.' })
    pageCount: number;
  }
  return PageClass;
}
