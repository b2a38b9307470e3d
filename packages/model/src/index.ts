export const PACKAGE_NAME = '@megakernel/model';
