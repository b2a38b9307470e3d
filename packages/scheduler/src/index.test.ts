import { expect, it } from 'vitest';
import { PACKAGE_NAME } from './index.js';

it('exports its package name (placeholder until its issue lands)', () => {
  expect(PACKAGE_NAME).toBe('@megakernel/scheduler');
});
