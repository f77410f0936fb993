// beach-api-core's `current_age`: the birth date it stands for. Pure, so it is
// unit-tested in-process (test/unit/pure-functions.test.ts).
/** `Date.today - current_age.years - 1.day`, in UTC, clamping 29 February as Ruby does. */
export function birthDateForAge(age: number, today = new Date()): string {
  const year = today.getUTCFullYear() - age;
  const month = today.getUTCMonth();
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const date = new Date(Date.UTC(year, month, Math.min(today.getUTCDate(), lastDay)));
  date.setUTCDate(date.getUTCDate() - 1);
  return date.toISOString().slice(0, 10);
}
