import { execFileSync } from "node:child_process";

// Where a run ran: the machine, its process, and the source revision of the working directory.

/** Whether a process with this pid exists on this machine (EPERM: it exists, owned by another user). */
export function pidAlive(pid: number): boolean {
  // kill(0) and kill(-n) signal process groups: never a test of one process.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

let revision: string | null | undefined;

/** `git rev-parse HEAD` of process.cwd(), with "+dirty" when `git status --porcelain` prints
 *  anything; null without git or outside a repository. Computed once per process. */
export function gitRevision(): string | null {
  if (revision === undefined) revision = readGitRevision(process.cwd());
  return revision;
}

function readGitRevision(cwd: string): string | null {
  try {
    const head = git(["rev-parse", "HEAD"], cwd).trim();
    if (!/^[0-9a-f]{40,64}$/.test(head)) return null;
    return git(["status", "--porcelain"], cwd).trim() === "" ? head : `${head}+dirty`;
  } catch {
    return null;
  }
}

function git(args: string[], cwd: string): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    timeout: 5000,
    stdio: ["ignore", "pipe", "ignore"],
  });
}
