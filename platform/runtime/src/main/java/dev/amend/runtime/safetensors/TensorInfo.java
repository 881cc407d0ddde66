package dev.amend.runtime.safetensors;

/**
 * Where one tensor lies in a safetensors file.
 *
 * @param name  tensor name
 * @param dtype element type
 * @param shape dimensions
 * @param begin first byte, relative to the start of the data section
 * @param end   byte after the last, relative to the start of the data section
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
    /** Returns the number of elements. */
    public long elements() {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }
}
