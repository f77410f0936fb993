// Look-ahead: which fields a query selects below the field being resolved, so
// a resolver can load the relations asked for in the same statement instead
// of leaving each to its own loader and round trip.
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/** The fields of these selection sets, with fragment spreads and inline fragments flattened. */
function fieldsOf(sets: readonly SelectionSetNode[], info: GraphQLResolveInfo, out: FieldNode[] = []): FieldNode[] {
  for (const set of sets) {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) out.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) fieldsOf([selection.selectionSet], info, out);
      else {
        const fragment = info.fragments[selection.name.value];
        if (fragment) fieldsOf([fragment.selectionSet], info, out);
      }
    }
  }
  return out;
}

/**
 * Names of the fields selected under the current field, or under the path of
 * fields given below it (e.g. `selectedFields(info, 'items')` on a page).
 * `@skip`/`@include` are not evaluated: a field they drop is still listed,
 * which only means it may be loaded without being asked for.
 */
export function selectedFields(info: GraphQLResolveInfo, ...path: string[]): Set<string> {
  let sets = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const name of path) {
    sets = fieldsOf(sets, info)
      .filter((field) => field.name.value === name)
      .flatMap((field) => (field.selectionSet ? [field.selectionSet] : []));
  }
  return new Set(fieldsOf(sets, info).map((field) => field.name.value));
}
