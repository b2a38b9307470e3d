export const PACKAGE_NAME = '@megakernel/cli';
