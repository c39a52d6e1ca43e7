/**
 * Runs the WAL checkpoint on a worker thread. A PASSIVE checkpoint copies
 * the WAL's pages into the database file and fsyncs it: under load 8–30 ms
 * each second (measured), during which a checkpoint on the main thread
 * would stop every request and delivery. On its own connection in a worker
 * it runs beside the writer (WAL allows it), and the event loop never waits.
 * One checkpoint at a time: a call while one runs shares its answer.
 */
type Reply = { ok: true; result?: unknown } | { ok: false; error: string };

export class Checkpointer {
  private worker: Worker | null = null;
  private opening: Promise<void> | null = null;
  private running: Promise<void> | null = null;
  private pending: ((reply: Reply) => void)[] = [];

  /**
   * `workerUrl` locates checkpoint-worker.ts. The default is right when
   * running from source; inside the compiled executable every module is
   * bundled into one at the root of its virtual file system, so daemon.ts
   * passes the URL as seen from there (scripts/build.ts makes the worker an
   * entry point of its own).
   */
  constructor(
    private readonly databasePath: string,
    private readonly workerUrl: string = new URL("./checkpoint-worker.ts", import.meta.url).href,
  ) {}

  /** Checkpoints now (PASSIVE); rejects with the worker's error. */
  checkpoint(): Promise<void> {
    this.running ??= this.request({ op: "checkpoint" }).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** True once a checkpoint has started the worker; until then close() has nothing to wait for. */
  get started(): boolean {
    return this.opening !== null;
  }

  /** Closes the worker's connection, then the worker. */
  async close(): Promise<void> {
    await this.opening?.catch(() => {});
    await this.running?.catch(() => {});
    if (!this.worker) return;
    try {
      await this.request({ op: "close" });
    } finally {
      this.worker?.terminate();
      this.worker = null;
    }
  }

  private async request(message: object): Promise<void> {
    await this.start();
    const reply = await this.send(message);
    if (!reply.ok) throw new Error(`checkpoint worker: ${reply.error}`);
  }

  /** Started at the first checkpoint, not at start-up: the daemon is ready sooner. */
  private start(): Promise<void> {
    this.opening ??= (async () => {
      const worker = new Worker(this.workerUrl);
      worker.onmessage = (event: MessageEvent) => {
        this.pending.shift()?.(event.data as Reply);
        this.holdProcess();
      };
      worker.onerror = (event: ErrorEvent) => {
        for (const settle of this.pending.splice(0)) settle({ ok: false, error: event.message });
        this.holdProcess();
      };
      this.worker = worker;
      const reply = await this.send({ op: "open", path: this.databasePath });
      if (!reply.ok) throw new Error(`checkpoint worker: ${reply.error}`);
    })().catch((err: unknown) => {
      // Not for good: the next checkpoint starts a new worker.
      this.worker?.terminate();
      this.worker = null;
      this.opening = null;
      throw err;
    });
    return this.opening;
  }

  /** Replies come back in order: one request at a time is in flight per kind, and the worker answers each in turn. */
  private send(message: object): Promise<Reply> {
    return new Promise<Reply>((resolve) => {
      this.pending.push(resolve);
      this.holdProcess();
      this.worker!.postMessage(message);
    });
  }

  /**
   * An idle worker must not keep a finished process alive, but one with a
   * request out must: at shutdown nothing else may be left to wait for, and
   * the process would end before the answer (and the log line after it).
   */
  private holdProcess(): void {
    if (this.pending.length > 0) this.worker?.ref();
    else this.worker?.unref();
  }
}
