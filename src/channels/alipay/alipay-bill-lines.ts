import { parse } from 'csv-parse/sync';

const HASH = 35; // '#'

/**
 * Splits the decoded text of Alipay's business detail into its parts without parsing the rows: `#` lines
 * (whole lines outside a quoted field: a subject may hold a `#`, even at the start of a continued line)
 * are kept aside, the first other line is the header row, and every later record is passed on as it is,
 * for PostgreSQL's CSV parser. Blank lines are skipped, as the row reader (csv-parse) skips them.
 * Records are counted by tracking quotes, so a quoted newline does not count as a row.
 */
export class BillLineSplitter {
  readonly comments: string[] = [];
  header: string[] | null = null;
  private carry = '';
  private inQuote = false;

  /** The records that `chunk` completes, as one text; rows = how many. */
  push(chunk: string): { text: string; rows: number } {
    const text = this.carry + chunk;
    const parts: string[] = [];
    let rows = 0;
    let pos = 0;
    let segment = -1;
    let quote = text.indexOf('"');
    for (let nl = text.indexOf('\n'); nl !== -1; pos = nl + 1, nl = text.indexOf('\n', pos)) {
      if (!this.inQuote && (text.charCodeAt(pos) === HASH || isBlank(text, pos, nl) || !this.header)) {
        if (segment !== -1) parts.push(text.slice(segment, pos));
        segment = -1;
        this.otherLine(text.slice(pos, nl).replace(/\r$/, ''));
        while (quote !== -1 && quote < nl) quote = text.indexOf('"', quote + 1);
        continue;
      }
      if (segment === -1) segment = pos;
      while (quote !== -1 && quote < nl) {
        this.inQuote = !this.inQuote;
        quote = text.indexOf('"', quote + 1);
      }
      if (!this.inQuote) rows += 1;
    }
    if (segment !== -1) parts.push(text.slice(segment, pos));
    this.carry = text.slice(pos);
    return { text: parts.join(''), rows };
  }

  /** The last line when the text does not end with a newline. */
  end(): { text: string; rows: number } {
    if (this.carry === '') return { text: '', rows: 0 };
    const last = this.push('\n');
    this.carry = '';
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

function isBlank(text: string, from: number, to: number): boolean {
  return to === from || (to === from + 1 && text.charCodeAt(from) === 13);
}
