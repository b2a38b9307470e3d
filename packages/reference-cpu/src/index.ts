export const PACKAGE_NAME = '@megakernel/reference-cpu';
