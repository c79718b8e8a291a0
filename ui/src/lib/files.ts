// Reading a file the organizer picked in the page's file input: its bytes go
// to Rust as they are (the page never names a path).

/** A file's (or a slice's) bytes (FileReader where Blob.arrayBuffer is missing, as in older WebKit). */
export function readBytes(blob: Blob): Promise<Uint8Array> {
  if (typeof blob.arrayBuffer === "function") return blob.arrayBuffer().then((b) => new Uint8Array(b));
  const name = blob instanceof File ? blob.name : "The file";
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error(`${name} could not be read.`));
    reader.readAsArrayBuffer(blob);
  });
}
