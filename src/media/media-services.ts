// What services need for media: where files go, which ffmpeg to run, and a
// way to tell this process's trim workers that a job is waiting.
import type { MediaStorage } from '../storage/storage.js';
import type { MediaBinaries } from './binaries.js';

export interface MediaServices {
  storage: MediaStorage;
  binaries: MediaBinaries;
  /** Wakes an idle trim worker of this process (others find the job at their next poll). */
  wakeWorkers(): void;
}
