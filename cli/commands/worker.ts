import type { Command } from "commander";
import { UserError } from "../errors.js";

// Placeholder while issue 16 is built: the helper who owns this file replaces it.
export function register(program: Command): void {
  program
    .command("worker")
    .description("(being built)")
    .action(() => {
      throw new UserError("rnnlab worker is not built yet", 1);
    });
}
