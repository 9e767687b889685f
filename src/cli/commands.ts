// The list of subcommands. Adding a command: write src/cli/<name>.ts exporting
// `register(program)`, then add one import and one list item here.
import type { Command } from 'commander';

export const commands: ((program: Command) => void)[] = [];
