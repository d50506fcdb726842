import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/*
 * rnnlab as a user gets it: the package `npm pack` makes from the built repository, installed into a
 * scratch folder with no network.
 *
 *   packedTarball(dir): string: writes rnnlab-<version>.tgz into `dir` and returns its path. The
 *     repository is packed once per process (`npm pack --ignore-scripts`, so from dist/ as
 *     `npm run build` left it; the tests' globalSetup has checked that dist/ is fresh).
 *   installPacked(dir, extra = []): void: makes `dir` a project that depends on that tarball and
 *     on `extra` (names of packages this repository has installed, e.g. ["vite"] or the command
 *     line's peers) and installs it, so that `dir/node_modules/rnnlab` and its `bin` are there.
 *     Throws npm's error when the install fails. The caller removes `dir`, tarball included.
 *
 * Why a written package-lock.json and `npm ci --offline`, not `npm install --offline <tarball>`:
 * everything must come from npm's cache, which the repository's `npm ci` filled, and that holds
 * the abbreviated registry metadata `npm ci` reads, while `npm install` (npm 11) asks for the full
 * metadata, which is not there (ENOTCACHED). So dir's lock lists rnnlab (the tarball) and, for its
 * dependencies and `extra`, the same entries, at the same places, as the repository's
 * package-lock.json: the same versions as the repository tests, and tarballs the cache holds.
 */

const repo = fileURLToPath(new URL("../..", import.meta.url));

let packed: { filename: string; bytes: Buffer } | undefined;

export function packedTarball(dir: string): string {
  packed ??= pack();
  const path = join(dir, packed.filename);
  writeFileSync(path, packed.bytes);
  return path;
}

/** The tarball's name and bytes, packed into a folder removed at once (a test worker may end
 *  without running "exit" handlers). */
function pack(): { filename: string; bytes: Buffer } {
  if (!existsSync(join(repo, "dist/cli/main.js")))
    throw new Error("dist/ is missing: run `npm run build` first");
  const destination = mkdtempSync(join(tmpdir(), "rnnlab-pack-"));
  try {
    const [{ filename }] = JSON.parse(
      npm(["pack", "--json", "--ignore-scripts", "--pack-destination", destination], repo),
    ) as [{ filename: string }];
    return { filename, bytes: readFileSync(join(destination, filename)) };
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }
}

export function installPacked(dir: string, extra: string[] = []): void {
  const rnnlab = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as Manifest;
  const locked = (JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8")) as { packages: Packages })
    .packages;
  const spec = `file:${relative(dir, packedTarball(dir))}`;
  const dependencies: Record<string, string> = { rnnlab: spec };
  for (const name of extra) {
    const entry = locked[`node_modules/${name}`];
    if (!entry?.version)
      throw new Error(`${name} is not in package-lock.json: installPacked takes only those`);
    dependencies[name] = entry.version;
  }
  const manifest = { name: "rnnlab-scratch", version: "0.0.0", private: true, type: "module", dependencies };
  const packages: Packages = {
    "": { name: manifest.name, version: manifest.version, dependencies },
    "node_modules/rnnlab": {
      version: rnnlab.version,
      resolved: spec,
      license: rnnlab.license,
      dependencies: rnnlab.dependencies,
      peerDependencies: rnnlab.peerDependencies,
      peerDependenciesMeta: rnnlab.peerDependenciesMeta,
      bin: rnnlab.bin,
      engines: rnnlab.engines,
    },
    ...lockedClosure(locked, [...Object.keys(rnnlab.dependencies ?? {}), ...extra]),
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const lock = {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages,
  };
  writeFileSync(join(dir, "package-lock.json"), `${JSON.stringify(lock, null, 2)}\n`);
  npm(["ci", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], dir);
}

interface Manifest extends Entry {
  name?: string;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  license?: string;
}

interface Entry {
  version?: string;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optional?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [field: string]: unknown;
}

type Packages = Record<string, Entry>;

/**
 * The lock entries that `roots` (dependencies of the scratch project's root) and their own
 * dependencies resolve to, found as Node finds them (node_modules/a/node_modules/b, then
 * node_modules/b), so each keeps its place. The repository's dev/peer flags say nothing about the
 * scratch project: dropped ("devOptional" becomes "optional").
 */
function lockedClosure(locked: Packages, roots: string[]): Packages {
  const found: Packages = {};
  const visit = (from: string, name: string, optional: boolean): void => {
    const key = locate(locked, from, name);
    if (key === undefined) {
      if (optional) return;
      throw new Error(`${name} (needed by ${from || "the scratch project"}) is not in package-lock.json`);
    }
    if (key in found) return;
    const { dev, devOptional, peer, ...entry } = locked[key];
    found[key] = devOptional ? { ...entry, optional: true } : entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(key, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(key, dep, true);
    for (const dep of Object.keys(entry.peerDependencies ?? {}))
      if (!entry.peerDependenciesMeta?.[dep]?.optional) visit(key, dep, false);
  };
  for (const name of roots) visit("", name, false);
  return found;
}

function locate(locked: Packages, from: string, name: string): string | undefined {
  for (let base = from; ; ) {
    const key = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (key in locked) return key;
    if (base === "") return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}

function npm(args: string[], cwd: string): string {
  try {
    return execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`npm ${args[0]} failed in ${cwd}: ${stderr.trim() || String(error)}`);
  }
}
