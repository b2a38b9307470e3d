/** ‖a − b‖ / ‖b‖ over the elements [from, to) (the whole of b by default): the tests' logits distance. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, to = b.length): number {
  let num = 0;
  let den = 0;
  for (let i = from; i < to; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
