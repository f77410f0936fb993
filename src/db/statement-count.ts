// Counts the SQL statements Prisma sends (the usergraph_db_statements_total
// metric), by wrapping the driver adapter it is given: every queryRaw and
// executeRaw, on the connection or in a transaction, is one statement.
import type { SqlDriverAdapterFactory, SqlQueryable } from '@prisma/driver-adapter-utils';

function countingQueryable<T extends SqlQueryable>(queryable: T, onStatement: () => void): T {
  return new Proxy(queryable, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (key === 'queryRaw' || key === 'executeRaw') {
        return (...args: unknown[]) => {
          onStatement();
          return method.apply(target, args);
        };
      }
      if (key === 'startTransaction') {
        return async (...args: unknown[]) => countingQueryable((await method.apply(target, args)) as SqlQueryable, onStatement);
      }
      return method.bind(target);
    },
  });
}

/** The factory, with onStatement called before each statement its connections run. */
export function countStatements(factory: SqlDriverAdapterFactory, onStatement: () => void): SqlDriverAdapterFactory {
  return new Proxy(factory, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (key === 'connect') return async () => countingQueryable(await target.connect(), onStatement);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
