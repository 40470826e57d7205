/**
 * Caps the bytes of file content in flight across concurrent workers, so memory stays bounded
 * whatever mix of file sizes a repository has (each byte read is held a few times over: buffer,
 * text, rewritten text, diff). One item larger than the whole budget still runs, alone.
 */
export class ByteBudget {
  private inFlight = 0;
  private readonly waiting: Array<{ bytes: number; start: () => void }> = [];

  constructor(private readonly limit: number) {}

  async acquire(bytes: number): Promise<void> {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.inFlight += bytes;
      return;
    }
    await new Promise<void>((start) => this.waiting.push({ bytes, start }));
  }

  release(bytes: number): void {
    this.inFlight -= bytes;
    // First come, first served: a large file waiting is not starved by small ones behind it.
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) {
      const next = this.waiting.shift()!;
      this.inFlight += next.bytes;
      next.start();
    }
  }

  private fits(bytes: number): boolean {
    return this.inFlight === 0 || this.inFlight + bytes <= this.limit;
  }
}
