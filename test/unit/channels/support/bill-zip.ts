import iconv from 'iconv-lite';
import yauzl from 'yauzl';
import { ZipFile } from 'yazl';
import { entryName } from '../../../../src/channels/alipay/alipay-bill-zip';

/** Zips and unzips bill files in tests (with the same libraries, not by hand). */

export async function zipOf(files: { name: string; text: string }[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const file of files) zip.addBuffer(iconv.encode(file.text, 'gbk'), file.name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * As Alipay's own zips are: file names in GBK, without the UTF-8 flag. yazl writes UTF-8 names only,
 * so each is written as an ASCII stand-in of the same byte length, then replaced in both headers.
 */
export async function gbkNamedZipOf(files: { name: string; text: string }[]): Promise<Buffer> {
  const names = files.map((file) => iconv.encode(file.name, 'gbk'));
  const standIns = names.map((name, i) => Buffer.from(`${i}`.padEnd(name.length, '~')));
  const zip = await zipOf(files.map((file, i) => ({ ...file, name: standIns[i]!.toString() })));
  for (const [i, standIn] of standIns.entries()) {
    for (let at = zip.indexOf(standIn); at >= 0; at = zip.indexOf(standIn, at + 1)) {
      names[i]!.copy(zip, at);
      // The flags sit 24 bytes before a local header's name and 38 before a central directory one's.
      const flagAt = zip.readUInt32LE(at - 30) === 0x04034b50 ? at - 24 : at - 38;
      zip.writeUInt16LE(zip.readUInt16LE(flagAt) & ~0x800, flagAt);
    }
  }
  return zip;
}

/** Every file of a zip by its name, decoded from GBK. */
export async function unzipGbk(zip: Buffer): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const archive = await yauzl.fromBufferPromise(zip, { lazyEntries: true });
  for await (const entry of archive.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await archive.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    files.set(entryName(entry), iconv.decode(Buffer.concat(chunks), 'gbk'));
  }
  return files;
}

export async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const row of rows) all.push(row);
  return all;
}
