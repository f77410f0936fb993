// Where ffmpeg and ffprobe live: FFMPEG_PATH / FFPROBE_PATH, or the static
// binaries that the @ffmpeg-installer and @ffprobe-installer npm packages ship.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { MediaConfig } from '../config.js';

const require = createRequire(import.meta.url);

export interface MediaBinaries {
  ffmpeg: string;
  ffprobe: string;
}

/** Throws at start-up, naming the variable to set, when a binary is missing or not executable. */
function executable(file: string, variable: string): string {
  try {
    fs.accessSync(file, fs.constants.X_OK);
  } catch {
    throw new Error(`${file} is missing or not executable: fix its permissions (chmod u+x) or set ${variable} to a working binary.`);
  }
  return file;
}

export function resolveBinaries(config: Pick<MediaConfig, 'ffmpegPath' | 'ffprobePath'>): MediaBinaries {
  return {
    ffmpeg: executable(config.ffmpegPath ?? (require('@ffmpeg-installer/ffmpeg') as { path: string }).path, 'FFMPEG_PATH'),
    ffprobe: executable(config.ffprobePath ?? (require('@ffprobe-installer/ffprobe') as { path: string }).path, 'FFPROBE_PATH'),
  };
}
