export const PACKAGE_NAME = '@megakernel/runtime';
