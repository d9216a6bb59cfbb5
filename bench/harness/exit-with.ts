/**
 * How each bench tool ends: with the code its main returns, or 1 and the reason on stderr (its
 * stack too, with `stack`, where a failure may come from deep in a flow).
 */
export function exitWith(main: () => Promise<number>, options: { stack?: boolean } = {}): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const reason = error instanceof Error ? ((options.stack ? error.stack : undefined) ?? error.message) : String(error);
      process.stderr.write(`${reason}\n`);
      process.exit(1);
    },
  );
}
