// Reading a Content-Type header, for the lean /graphql path, its body reader
// and the REST framework alike.

/** A Content-Type header's media type and its parameters, each trimmed and lower-cased ('' when absent). */
export function splitContentType(header: string | undefined): { type: string; parameters: string } {
  if (!header) return { type: '', parameters: '' };
  const semi = header.indexOf(';');
  return semi < 0
    ? { type: header.trim().toLowerCase(), parameters: '' }
    : {
        type: header.slice(0, semi).trim().toLowerCase(),
        parameters: header
          .slice(semi + 1)
          .trim()
          .toLowerCase(),
      };
}
