// Where ffmpeg and ffprobe live: FFMPEG_PATH / FFPROBE_PATH, or the static
// binaries that the @ffmpeg-installer and @ffprobe-installer npm packages ship.
import { createRequire } from 'node:module';
import type { MediaConfig } from '../config.js';

const require = createRequire(import.meta.url);

export interface MediaBinaries {
  ffmpeg: string;
  ffprobe: string;
}

export function resolveBinaries(config: Pick<MediaConfig, 'ffmpegPath' | 'ffprobePath'>): MediaBinaries {
  return {
    ffmpeg: config.ffmpegPath ?? (require('@ffmpeg-installer/ffmpeg') as { path: string }).path,
    ffprobe: config.ffprobePath ?? (require('@ffprobe-installer/ffprobe') as { path: string }).path,
  };
}
