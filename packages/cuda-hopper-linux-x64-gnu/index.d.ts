/** Absolute path of megakernel_cuda.node (sm_90a, CUDA runtime linked statically). */
export declare const addonPath: string;
/** The newest glibc symbol version the binary links against: older systems cannot load it. */
export declare const glibcMin: string;
