// Storage keys of a video's files: derived from its id, never from a filename.
export const videoPrefixOf = (videoId: string) => `videos/${videoId}`;
export const sourceKeyOf = (videoId: string) => `videos/${videoId}/source`;
export const outputKeyOf = (videoId: string) => `videos/${videoId}/trimmed.mp4`;
