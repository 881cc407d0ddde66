package dev.amend.runtime.safetensors;

import java.util.Arrays;

/**
 * A float32 tensor in Java memory, row-major.
 *
 * @param shape dimensions
 * @param data  row-major values; length is the product of the shape
 */
public record HostTensor(long[] shape, float[] data) {
    /** Checks that the data fills the shape. */
    public HostTensor {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(data.length + " values for shape " + Arrays.toString(shape));
        }
    }

    /** Returns a tensor of the given shape over {@code data}. */
    public static HostTensor of(float[] data, long... shape) {
        return new HostTensor(shape, data);
    }
}
