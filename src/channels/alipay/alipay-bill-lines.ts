import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const HASH = 0x23;

/**
 * Splits the GBK bytes of Alipay's business detail into its parts without decoding or parsing the rows:
 * `#` lines (whole lines outside a quoted field: a subject may hold a `#`, even at the start of a continued
 * line) are kept aside, the first other line is the header row, and every later record is passed on as
 * its bytes, for PostgreSQL's CSV parser (which decodes them: COPY … ENCODING 'GBK'). Scanning bytes is
 * exact: in GBK the second byte of a two-byte character is >= 0x40, so a `\n`, `"`, `#` or `,` byte is
 * always that character. The lines read here (header, `#` lines) are decoded with iconv-lite.
 * Blank lines are skipped, as the row reader (csv-parse) skips them. Records are counted by tracking
 * quotes, so a quoted newline does not count as a row.
 */
export class BillLineSplitter {
  readonly comments: string[] = [];
  header: string[] | null = null;
  private carry: Buffer = Buffer.alloc(0);
  private inQuote = false;

  /** The records that `chunk` completes, as their bytes; rows = how many. */
  push(chunk: Buffer): { bytes: Buffer; rows: number } {
    const buf = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const parts: Buffer[] = [];
    let rows = 0;
    let pos = 0;
    let segment = -1;
    let quote = buf.indexOf(QUOTE);
    for (let nl = buf.indexOf(NL); nl !== -1; pos = nl + 1, nl = buf.indexOf(NL, pos)) {
      if (!this.inQuote && (buf[pos] === HASH || isBlank(buf, pos, nl) || !this.header)) {
        if (segment !== -1) parts.push(buf.subarray(segment, pos));
        segment = -1;
        this.otherLine(iconv.decode(buf.subarray(pos, nl), 'gbk').replace(/\r$/, ''));
        while (quote !== -1 && quote < nl) quote = buf.indexOf(QUOTE, quote + 1);
        continue;
      }
      if (segment === -1) segment = pos;
      while (quote !== -1 && quote < nl) {
        this.inQuote = !this.inQuote;
        quote = buf.indexOf(QUOTE, quote + 1);
      }
      if (!this.inQuote) rows += 1;
    }
    if (segment !== -1) parts.push(buf.subarray(segment, pos));
    // A copy: the carry must not keep the whole chunk alive (nor see it reused).
    this.carry = Buffer.from(buf.subarray(pos));
    return { bytes: parts.length === 1 ? parts[0]! : Buffer.concat(parts), rows };
  }

  /** The last line when the bytes do not end with a newline. */
  end(): { bytes: Buffer; rows: number } {
    if (this.carry.length === 0) return { bytes: this.carry, rows: 0 };
    const last = this.push(Buffer.from([NL]));
    this.carry = Buffer.alloc(0);
    if (this.inQuote) throw new Error('bill ends inside a quoted field');
    return last;
  }

  private otherLine(line: string): void {
    if (line.charCodeAt(0) === HASH) this.comments.push(line);
    else if (line.trim() === '') return;
    else {
      const records: string[][] = parse(line);
      this.header = (records[0] ?? []).map((name) => name.trim());
    }
  }
}

function isBlank(buf: Buffer, from: number, to: number): boolean {
  return to === from || (to === from + 1 && buf[from] === CR);
}
