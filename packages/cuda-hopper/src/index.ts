export const PACKAGE_NAME = '@megakernel/cuda-hopper';
