import iconv from 'iconv-lite';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { BillRow } from '../channel-port';
import { parseAlipayBillDetail } from './alipay-bill-rows';

/** Set when an entry's name is UTF-8; Alipay's own zips name their files in GBK without it. */
const UTF8_NAME_FLAG = 0x800;

/**
 * The rows of an Alipay bill zip (a file path, or the bytes): finds the business detail file by its
 * name, `…业务明细.csv` and not the summary `…业务明细(汇总).csv`, whatever the order in the zip, and
 * streams it through the parser. The zip is closed when the rows end or the caller stops.
 */
export async function* readAlipayBillZip(source: string | Buffer): AsyncGenerator<BillRow> {
  const options = { lazyEntries: true, autoClose: false };
  const zip =
    typeof source === 'string'
      ? await yauzl.openPromise(source, options)
      : await yauzl.fromBufferPromise(source, options);
  try {
    const detail = await detailEntry(zip);
    yield* parseAlipayBillDetail(await zip.openReadStreamPromise(detail));
  } finally {
    zip.close();
  }
}

/** An entry's own name, decoded as its flag says (UTF-8) or as Alipay writes it (GBK). */
export function entryName(entry: Entry): string {
  return entry.generalPurposeBitFlag & UTF8_NAME_FLAG
    ? entry.fileNameRaw.toString('utf8')
    : iconv.decode(entry.fileNameRaw, 'gbk');
}

function isDetailFile(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return base.includes('业务明细') && !base.includes('汇总') && base.toLowerCase().endsWith('.csv');
}

export async function detailEntry(zip: ZipFile): Promise<Entry> {
  const names: string[] = [];
  let found: Entry | null = null;
  for await (const entry of zip.eachEntry()) {
    const name = entryName(entry);
    names.push(name);
    if (!isDetailFile(name)) continue;
    if (found) throw new Error(`bill zip holds two business detail files: ${names.join(', ')}`);
    found = entry;
  }
  if (!found)
    throw new Error(`bill zip holds no business detail file, only: ${names.join(', ') || 'nothing'}`);
  return found;
}
