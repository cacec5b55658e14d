/**
 * Where ffmpeg and ffprobe are, for video sources (ffprobe.ts asks ffprobe
 * about a video, frame-stream.ts pulls its frames from ffmpeg). Each tool is
 * found in this order: FERC_FFMPEG / FERC_FFPROBE, the
 * system's (PATH), then the static build the npm packages @ffmpeg-installer/ffmpeg
 * and @ffprobe-installer/ffprobe install for this platform — so a machine with
 * nothing but Node and npm decodes video.
 */
import { accessSync, chmodSync, constants, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, delimiter, dirname, extname, join } from 'node:path';

export interface FfmpegTools {
  /** Path of the ffmpeg executable. */
  readonly ffmpeg: string;
  /** Path of the ffprobe executable. */
  readonly ffprobe: string;
}

/** Where a tool was found: the environment variable, PATH, or an npm package (with its version). */
export type ToolOrigin =
  | { readonly kind: 'env'; readonly variable: 'FERC_FFMPEG' | 'FERC_FFPROBE' }
  | { readonly kind: 'path' }
  | { readonly kind: 'bundled'; readonly pkg: string; readonly version: string; readonly madeExecutable: boolean };

export interface FoundFfmpeg extends FfmpegTools {
  readonly origin: { readonly ffmpeg: ToolOrigin; readonly ffprobe: ToolOrigin };
}

export class FfmpegNotFoundError extends Error {
  constructor(detail: string) {
    super(`ffmpeg not found: reinstall fer-c's dependencies (npm ci brings @ffmpeg-installer/ffmpeg and @ffprobe-installer/ffprobe), `
      + `install ffmpeg on the system, or set FERC_FFMPEG / FERC_FFPROBE (${detail})`);
    this.name = 'FfmpegNotFoundError';
  }
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(name: string, pathVar: string | undefined): string | undefined {
  const exts = process.platform === 'win32' ? ['.exe', ''] : [''];
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

export type ToolName = 'ffmpeg' | 'ffprobe';
const WRAPPER: Record<ToolName, string> = { ffmpeg: '@ffmpeg-installer/ffmpeg', ffprobe: '@ffprobe-installer/ffprobe' };
const SCOPE: Record<ToolName, string> = { ffmpeg: '@ffmpeg-installer', ffprobe: '@ffprobe-installer' };

export interface BundledTool { readonly path: string; readonly pkg: string; readonly version: string; readonly madeExecutable: boolean }

/**
 * The static ffmpeg or ffprobe of the npm package for this platform
 * (`@ffmpeg-installer/linux-x64`, …), resolved from the wrapper package so that
 * it is found wherever npm put it. The packages' only install script is
 * `chmod u+x`; where it did not run (install scripts not allowed), the binary
 * is made executable here, as that script would have — or, if that fails, the
 * error says so. Returns a reason string when there is no usable binary.
 */
export function bundledTool(tool: ToolName, platform = `${process.platform}-${process.arch}`): BundledTool | string {
  const require = createRequire(import.meta.url);
  let wrapperJson: string;
  try { wrapperJson = require.resolve(`${WRAPPER[tool]}/package.json`); } catch {
    return `${WRAPPER[tool]} is not installed`;
  }
  const pkg = `${SCOPE[tool]}/${platform}`;
  let pkgJson: string;
  try { pkgJson = createRequire(wrapperJson).resolve(`${pkg}/package.json`); } catch {
    return `${pkg} is not installed (no ${tool} build for ${platform} in ${WRAPPER[tool]})`;
  }
  const path = join(dirname(pkgJson), process.platform === 'win32' ? `${tool}.exe` : tool);
  let size = 0;
  try { size = statSync(path).size; } catch { return `${path} is missing`; }
  if (size === 0) return `${path} is empty`;
  const { version, [tool]: build } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string } & Partial<Record<ToolName, string>>;
  let madeExecutable = false;
  if (!isExecutable(path)) {
    try {
      chmodSync(path, statSync(path).mode | 0o100);
      madeExecutable = true;
    } catch (e) {
      return `${path} is not executable and could not be made so (${(e as Error).message}); run: chmod u+x ${path}`;
    }
    if (!isExecutable(path)) return `${path} is not executable (chmod u+x did not help)`;
  }
  return { path, pkg, version: build ? `${version}, build ${build}` : version, madeExecutable };
}

function fromBundle(tool: ToolName, tried: string[]): { path: string; origin: ToolOrigin } | undefined {
  const found = bundledTool(tool);
  if (typeof found === 'string') { tried.push(found); return undefined; }
  return { path: found.path, origin: { kind: 'bundled', pkg: found.pkg, version: found.version, madeExecutable: found.madeExecutable } };
}

/**
 * Finds ffmpeg and ffprobe. FERC_FFMPEG may name the ffmpeg executable or a
 * directory holding it (ffprobe is then looked for beside it first);
 * FERC_FFPROBE names the ffprobe executable. A variable that is set must name a
 * usable tool — it is never passed over silently. Without them each tool comes
 * from PATH, else from its npm package (`bundled: false`: not looked for). Throws FfmpegNotFoundError naming what
 * was tried.
 */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env, options: { readonly bundled?: boolean } = {}): FoundFfmpeg {
  const bundled = options.bundled === false ? (): undefined => undefined : fromBundle;
  const override = env.FERC_FFMPEG;
  let ffmpeg: { path: string; origin: ToolOrigin } | undefined;
  let besideDir: string | undefined;
  let ext = '';
  const tried: string[] = [];
  if (override) {
    let isDir = false;
    try { isDir = statSync(override).isDirectory(); } catch { /* reported below */ }
    const origin: ToolOrigin = { kind: 'env', variable: 'FERC_FFMPEG' };
    if (isDir) {
      besideDir = override;
      const path = searchPath('ffmpeg', override);
      if (!path) throw new FfmpegNotFoundError(`FERC_FFMPEG=${override} is a directory without an executable ffmpeg`);
      ffmpeg = { path, origin };
    } else {
      if (!isExecutable(override)) throw new FfmpegNotFoundError(`FERC_FFMPEG=${override} is not an executable file`);
      ffmpeg = { path: override, origin };
      besideDir = dirname(override);
      ext = extname(override);
    }
  } else {
    const path = searchPath('ffmpeg', env.PATH);
    if (path) ffmpeg = { path, origin: { kind: 'path' } };
    else {
      tried.push('no ffmpeg on PATH');
      ffmpeg = bundled('ffmpeg', tried);
    }
    if (!ffmpeg) throw new FfmpegNotFoundError(tried.join('; '));
  }

  let ffprobe: { path: string; origin: ToolOrigin } | undefined;
  const probeOverride = env.FERC_FFPROBE;
  if (probeOverride) {
    if (!isExecutable(probeOverride)) throw new FfmpegNotFoundError(`FERC_FFPROBE=${probeOverride} is not an executable file`);
    ffprobe = { path: probeOverride, origin: { kind: 'env', variable: 'FERC_FFPROBE' } };
  }
  if (!ffprobe && besideDir) {
    // "ffmpeg-6" beside "ffprobe-6", "ffmpeg.exe" beside "ffprobe.exe".
    const probeName = basename(ffmpeg.path, ext).replace(/ffmpeg/i, 'ffprobe') + ext;
    const candidate = join(besideDir, probeName);
    if (isExecutable(candidate)) ffprobe = { path: candidate, origin: { kind: 'env', variable: 'FERC_FFMPEG' } };
    else tried.push(`no ${probeName} beside ${ffmpeg.path}`);
  }
  if (!ffprobe) {
    const path = searchPath('ffprobe', env.PATH);
    if (path) ffprobe = { path, origin: { kind: 'path' } };
    else {
      tried.push('no ffprobe on PATH');
      ffprobe = bundled('ffprobe', tried);
    }
  }
  if (!ffprobe) throw new FfmpegNotFoundError(`found ffmpeg ${ffmpeg.path} but no ffprobe: ${tried.join('; ')}`);
  return { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, origin: { ffmpeg: ffmpeg.origin, ffprobe: ffprobe.origin } };
}

function describeOrigin(origin: ToolOrigin): string {
  switch (origin.kind) {
    case 'env': return `from ${origin.variable}`;
    case 'path': return 'the system\'s, from PATH';
    case 'bundled': return `bundled: npm package ${origin.pkg} ${origin.version}${origin.madeExecutable ? ', made executable (its install script had not run)' : ''}`;
  }
}

/** One log line: which ffmpeg and ffprobe video decoding uses, and where each came from. */
export function describeFfmpeg(found: FoundFfmpeg): string {
  return `ffmpeg: ${found.ffmpeg} (${describeOrigin(found.origin.ffmpeg)}); ffprobe: ${found.ffprobe} (${describeOrigin(found.origin.ffprobe)})`;
}

let cached: { key: string; tools: FoundFfmpeg } | undefined;

/** findFfmpeg for this process's environment, looked up once per (FERC_FFMPEG, FERC_FFPROBE, PATH). */
export function systemFfmpeg(): FoundFfmpeg {
  const key = `${process.env.FERC_FFMPEG ?? ''}\0${process.env.FERC_FFPROBE ?? ''}\0${process.env.PATH ?? ''}`;
  if (cached?.key !== key) cached = { key, tools: findFfmpeg() };
  return cached.tools;
}
