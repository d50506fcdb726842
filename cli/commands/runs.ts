import type { Command } from "commander";
import { UserError } from "../errors.js";

// Placeholder while issue 16 is built: the helper who owns this file replaces it.
export function register(program: Command): void {
  program
    .command("runs")
    .description("(being built)")
    .action(() => {
      throw new UserError("rnnlab runs is not built yet", 1);
    });
}
