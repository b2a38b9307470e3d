/**
 * Constants of the binary program container (see ISA.md, "Program container"):
 *   "MKPROG\0\0" · u32 formatVersion · u32 headerBytes · UTF-8 JSON header · zero pad to 64 · queues.
 */
export const PROGRAM_MAGIC: Uint8Array = new Uint8Array([0x4d, 0x4b, 0x50, 0x52, 0x4f, 0x47, 0, 0]);
export const PROGRAM_FORMAT_VERSION = 1;
/** Queues start on a 64-byte boundary so a mapped file can be handed to the GPU without copying. */
export const PROGRAM_QUEUE_ALIGN = 64;
/** Fixed prefix before the JSON header: magic, version, header length. */
export const PROGRAM_PREFIX_BYTES = 16;
