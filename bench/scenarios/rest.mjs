// REST shim overhead: each dialect's single-user GET against the GraphQL
// query it runs. Not written yet.
export default {
  id: 'rest-shim',
  scenario: 'REST shim single-user GET',
  target: '>= 0.9x its GraphQL query',
  available: () => 'the scenario is not written yet',
  run: async () => [],
};
