// Stands in, under Node (scripts/run-ts.mjs), for the two side-effect imports of src/model/tf.ts
// (tfjs-core's gradients and chained ops). Those are ES modules written for bundlers, with
// imports Node cannot resolve; in Node tfjs-core is its CommonJS build, and the union registers
// the same gradients and chained ops with it.
import '@tensorflow/tfjs';
