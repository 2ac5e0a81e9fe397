/** PAX extended header records (`"%d %s=%s\n"`, the length counting the whole record). */

/**
 * Parses the records of a PAX header body; a string is the reason it is malformed. Values are the
 * bytes as stored: `SCHILY.xattr.*` values are binary (a file capability is), the rest UTF-8.
 */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> | string {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad the body with NULs
    const space = data.indexOf(0x20, pos);
    const lengthText = space < 0 ? '' : data.toString('latin1', pos, space);
    const length = /^[1-9][0-9]*$/.test(lengthText) ? Number(lengthText) : NaN;
    if (!Number.isSafeInteger(length) || pos + length > data.length || data[pos + length - 1] !== 0x0a) {
      return `malformed PAX record at byte ${pos}`;
    }
    const record = data.subarray(space + 1, pos + length - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) return `malformed PAX record at byte ${pos}`;
    records.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    pos += length;
  }
  return records;
}
