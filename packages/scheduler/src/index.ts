export const PACKAGE_NAME = '@megakernel/scheduler';
