// Reading a file the organizer picked in the page's file input: its bytes go
// to Rust as they are (the page never names a path).

/** The file's bytes (FileReader where Blob.arrayBuffer is missing, as in older WebKit). */
export function readBytes(file: File): Promise<Uint8Array> {
  if (typeof file.arrayBuffer === "function") return file.arrayBuffer().then((b) => new Uint8Array(b));
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error(`${file.name} could not be read.`));
    reader.readAsArrayBuffer(file);
  });
}
