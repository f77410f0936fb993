// Media: gateway memory during a 1 GB upload, and trim wall time against the
// ffmpeg command line doing the same cut. Not written yet.
export default [
  { id: 'upload', scenario: '1 GB video upload RSS growth', target: '<= 64 MB', available: () => 'the scenario is not written yet', run: async () => [] },
  { id: 'trim', scenario: 'trim wall time vs ffmpeg', target: '<= 1.2x', available: () => 'the scenario is not written yet', run: async () => [] },
];
