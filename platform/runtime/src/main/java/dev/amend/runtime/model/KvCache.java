package dev.amend.runtime.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/** Per-layer key/value cache for generation: keys and values [B, kvH, positions so far, hd]. */
final class KvCache {
    private NDArray keys;
    private NDArray values;

    /** Appends {@code k}, {@code v} [B, kvH, T, hd] and returns all keys and values so far. */
    NDArray[] append(NDArray k, NDArray v) {
        if (keys == null) {
            keys = k;
            values = v;
        } else {
            NDArray nk = keys.concat(k, 2);
            NDArray nv = values.concat(v, 2);
            keys.close();
            values.close();
            keys = nk;
            values = nv;
        }
        return new NDArray[] {keys, values};
    }

    void keep() {
        if (keys != null) {
            NDScope.unregister(keys, values);
        }
    }

    void close() {
        if (keys != null) {
            keys.close();
            values.close();
        }
    }
}
