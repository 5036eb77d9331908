// The ops of the tiny-ops study, shared by the asyncbench scenario and the standalone mitata script.
export const TINY_OPS = {
  reduce: () => {
    const numbers = Array.from({ length: 100 }, (_, i) => i);
    return () => numbers.reduce((a, b) => a + b, 0);
  },
  'for-sum': () => {
    const numbers = Array.from({ length: 100 }, (_, i) => i);
    return () => {
      let sum = 0;
      for (let i = 0; i < numbers.length; i++) sum += numbers[i];
      return sum;
    };
  },
};
